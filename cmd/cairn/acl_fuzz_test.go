package main

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// FuzzACLIDMatching feeds arbitrary lists and prefixes to the short-ID
// lookup: it must never panic, and an ID it returns starts with the
// prefix, lower-cased.
func FuzzACLIDMatching(f *testing.F) {
	f.Add(`[{"AccessorID":"6a1253d2-1785-24fd-91c2-f8e78c745511"},{"AccessorID":"6a99"}]`, "6A12")
	f.Add(`[{"ID":"165d4317-e379-f732-ce70-86278c4558f7"}]`, "")
	f.Add(`[{"ID":"a"},{"ID":"a"}]`, "a")
	f.Add(`{"ID":"a"}`, "a")
	f.Fuzz(func(t *testing.T, list, partial string) {
		id, err := matchID([]byte(list), partial, "token")
		if err == nil {
			require.True(t, strings.HasPrefix(id, strings.ToLower(partial)), id)
		}
	})
}

// FuzzACLAnswerRendering feeds arbitrary bodies to the decoders of the
// ACL answers: no renderer may panic, a token list never shows a line
// labelled SecretID, and -format=json prints exactly the server's JSON,
// only re-indented.
func FuzzACLAnswerRendering(f *testing.F) {
	f.Add(bootstrapToken)
	f.Add("[" + webToken + "]")
	f.Add(webPolicy)
	f.Add(`[{"Name":"p","Datacenters":null}]`)
	f.Add(`{"ExpirationTime":"0001-01-01T00:00:00Z","Policies":[{}]}`)
	f.Add(`{"CreateTime":"not a time"}`)
	f.Add(`null`)
	f.Fuzz(func(t *testing.T, body string) {
		pretty := []func([]byte) (string, error){prettyToken(true), prettyPolicy(true), prettyPolicyList(false)}
		for _, render := range pretty {
			render([]byte(body))
		}
		if list, err := prettyTokenList(true)([]byte(body)); err == nil && !fieldsMention(body, "SecretID") {
			for _, line := range strings.Split(list, "\n") {
				require.False(t, strings.HasPrefix(line, "SecretID:"), list)
			}
		}
		var out bytes.Buffer
		if err := (&outputFormat{format: "json"}).print(&out, []byte(body), nil); err != nil {
			return
		}
		var want, got bytes.Buffer
		require.NoError(t, json.Compact(&want, []byte(strings.TrimSpace(body))))
		require.NoError(t, json.Compact(&got, out.Bytes()))
		require.Equal(t, want.String(), got.String())
	})
}

// fieldsMention reports whether a printed field of a token list (which
// could hold a newline and then any text) contains word.
func fieldsMention(body, word string) bool {
	var ts []aclToken
	json.Unmarshal([]byte(body), &ts)
	for _, t := range ts {
		fields := []string{t.AccessorID, t.Description}
		for _, p := range t.Policies {
			fields = append(fields, p.ID, p.Name)
		}
		for _, f := range fields {
			if strings.Contains(f, word) {
				return true
			}
		}
	}
	return false
}
