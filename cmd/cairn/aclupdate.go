package main

import (
	"flag"
	"fmt"
	"io"
	"net/http"
	"slices"
)

// Updates read the current token or policy, change the fields whose flags
// were given, and PUT the whole object back, as Consul's CLI does: a flag
// left out keeps its value. The read-modify-write is not atomic; a
// concurrent update between the two requests is overwritten.

const tokenUpdateUsage = `
Usage: cairn acl token update [options] -id ACCESSOR

  Changes a token's description or policies. -policy-id and -policy-name
  replace the token's policies, or add to them with -merge-policies;
  without either flag the policies stay as they are.
`

// runTokenUpdate updates one token (GET, then PUT /v1/acl/token/:id).
func runTokenUpdate(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("acl token update", tokenUpdateUsage, stderr)
	id := fs.String("id", "", "The AccessorID of the token to update (required)")
	description := fs.String("description", "", "A new description of the token")
	merge := fs.Bool("merge-policies", false, "Add the given policies to the token's instead of replacing them")
	policies := addPolicyFlags(fs)
	out := addFormatFlags(fs)
	hf := addHTTPFlags(fs, true)
	if code, ok := out.parse(fs, args, stderr); !ok {
		return code
	}
	if *id == "" {
		return usageError(fs, stderr, "Cannot update a token without specifying the -id parameter")
	}
	c := hf.client()
	full, err := completeTokenID(c, *id)
	if err != nil {
		return aclError(stderr, c, "Error determining token ID", err)
	}
	prefix := fmt.Sprintf("Failed to update token %s", full)
	var t aclToken
	if err := c.getJSON(tokenPath(full), nil, &t); err != nil {
		return aclError(stderr, c, prefix, err)
	}
	req := aclTokenRequest{AccessorID: t.AccessorID, Description: t.Description, Policies: t.Policies, Local: t.Local}
	if flagGiven(fs, "description") {
		req.Description = *description
	}
	if links := policies.links(); len(links) > 0 {
		req.Policies = mergeLinks(t.Policies, links, *merge)
	}
	updated := func(body []byte) (string, error) {
		s, err := prettyToken(out.meta)(body)
		return "Token updated successfully.\n" + s, err
	}
	if err := out.show(stdout, c, http.MethodPut, tokenPath(full), req, updated); err != nil {
		return aclError(stderr, c, prefix, err)
	}
	return 0
}

// mergeLinks returns the token's new policy links: the given ones alone,
// or with merge the current ones followed by those given that are not
// already linked (by ID or by name).
func mergeLinks(current, given []aclPolicyLink, merge bool) []aclPolicyLink {
	if !merge {
		return given
	}
	out := slices.Clone(current)
	for _, g := range given {
		linked := slices.ContainsFunc(out, func(l aclPolicyLink) bool {
			return (g.ID != "" && l.ID == g.ID) || (g.Name != "" && l.Name == g.Name)
		})
		if !linked {
			out = append(out, g)
		}
	}
	return out
}

const policyUpdateUsage = `
Usage: cairn acl policy update [options] -id ID

  Changes a policy's name, description, rules or datacenters; each flag
  left out keeps the current value. -rules takes inline text, @file or
  "-" for stdin; -valid-datacenter, repeated, replaces the datacenters.
`

// runPolicyUpdate updates one policy (GET, then PUT /v1/acl/policy/:id).
func runPolicyUpdate(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("acl policy update", policyUpdateUsage, stderr)
	id := fs.String("id", "", "The ID of the policy to update (required)")
	fields := addPolicyFieldFlags(fs)
	out := addFormatFlags(fs)
	hf := addHTTPFlags(fs, true)
	if code, ok := out.parse(fs, args, stderr); !ok {
		return code
	}
	if *id == "" {
		return usageError(fs, stderr, "Cannot update a policy without specifying the -id parameter")
	}
	if err := fields.loadRules(); err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	c := hf.client()
	full, err := completePolicyID(c, *id)
	if err != nil {
		return aclError(stderr, c, "Error determining policy ID", err)
	}
	prefix := fmt.Sprintf("Error updating policy %q", full)
	var p aclPolicy
	if err := c.getJSON(policyPath(full), nil, &p); err != nil {
		return aclError(stderr, c, prefix, err)
	}
	p.CreateIndex, p.ModifyIndex = 0, 0
	fields.apply(&p)
	if err := out.show(stdout, c, http.MethodPut, policyPath(full), p, prettyPolicy(out.meta)); err != nil {
		return aclError(stderr, c, prefix, err)
	}
	return 0
}

// flagGiven reports whether the flag was set on the command line, which
// tells an empty -description (clear it) from no -description at all.
func flagGiven(fs *flag.FlagSet, name string) bool {
	given := false
	fs.Visit(func(f *flag.Flag) {
		if f.Name == name {
			given = true
		}
	})
	return given
}
