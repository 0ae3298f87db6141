package main

import (
	"cmp"
	"fmt"
	"net/http"
	"strings"
)

// uuidLength is the length of a full ACL ID such as
// "6a1253d2-1785-24fd-91c2-f8e78c745511".
const uuidLength = 36

// tokenAliases and policyAliases are the names Consul's CLI accepts in
// place of the IDs of built-in objects.
var (
	tokenAliases  = map[string]string{"anonymous": "00000000-0000-0000-0000-000000000002"}
	policyAliases = map[string]string{"global-management": "00000000-0000-0000-0000-000000000001"}
)

// completeTokenID resolves what -id gave for a token: a full AccessorID,
// "anonymous", or a prefix that only one token's AccessorID starts with.
func completeTokenID(c *apiClient, partial string) (string, error) {
	return completeID(c, partial, "token", "/v1/acl/tokens", tokenAliases)
}

// completePolicyID resolves what -id gave for a policy: a full ID,
// "global-management", or a prefix that only one policy's ID starts with.
func completePolicyID(c *apiClient, partial string) (string, error) {
	return completeID(c, partial, "policy", "/v1/acl/policies", policyAliases)
}

// completeID lets an operator type a short ID, as Consul's CLI does: an
// alias or a full-length ID is used as it is; anything shorter is looked
// up in the list at listPath and must prefix exactly one entry's ID.
func completeID(c *apiClient, partial, what, listPath string, aliases map[string]string) (string, error) {
	if id, ok := aliases[partial]; ok {
		return id, nil
	}
	if len(partial) == uuidLength {
		return partial, nil
	}
	resp, err := c.do(http.MethodGet, listPath, nil, nil)
	if err != nil {
		return "", err
	}
	return matchID(resp.body, partial, what)
}

// matchID finds the one entry of a token or policy list whose ID starts
// with partial, case-insensitively.
func matchID(list []byte, partial, what string) (string, error) {
	var entries []struct{ AccessorID, ID string }
	if err := decodeJSON(list, &entries); err != nil {
		return "", err
	}
	prefix, match := strings.ToLower(partial), ""
	for _, e := range entries {
		id := cmp.Or(e.AccessorID, e.ID)
		if !strings.HasPrefix(id, prefix) {
			continue
		}
		if match != "" {
			return "", fmt.Errorf("Partial %s ID is not unique", what)
		}
		match = id
	}
	if match == "" {
		return "", fmt.Errorf("No such %s ID with prefix: %s", what, partial)
	}
	return match, nil
}
