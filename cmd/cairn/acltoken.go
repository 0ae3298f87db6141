package main

import (
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// tokenCommands lists the subcommands of `cairn acl token`.
func tokenCommands() []command {
	return []command{
		{"create", "Create an ACL token", runTokenCreate},
		{"list", "List ACL tokens", runTokenList},
		{"read", "Read an ACL token", runTokenRead},
		{"update", "Update an ACL token", runTokenUpdate},
		{"delete", "Delete an ACL token", runTokenDelete},
	}
}

// runACLToken dispatches `cairn acl token <subcommand>`.
func runACLToken(args []string, stdout, stderr io.Writer) int {
	return runGroup("acl token", tokenCommands(), args, stdout, stderr)
}

// aclToken is a token as /v1/acl/token answers it. List entries have the
// same fields.
type aclToken struct {
	AccessorID     string
	SecretID       string
	Description    string
	Policies       []aclPolicyLink
	Local          bool
	ExpirationTime *time.Time
	CreateTime     time.Time
	CreateIndex    uint64
	ModifyIndex    uint64
}

// aclTokenRequest is the body of a token create or update, shaped like
// Consul's api.ACLToken. The SecretID is never sent: the server draws it
// on create and keeps it on update. ExpirationTTL travels in nanoseconds,
// as api.ACLToken encodes its time.Duration.
type aclTokenRequest struct {
	AccessorID    string `json:",omitempty"`
	Description   string
	Policies      []aclPolicyLink `json:",omitempty"`
	Local         bool
	ExpirationTTL time.Duration `json:",omitempty"`
}

// formatToken renders a token in Consul's layout. withSecret adds the
// SecretID line, which Consul prints for a token created, read or
// bootstrapped but not in lists.
func formatToken(t aclToken, withSecret, meta bool) string {
	var b strings.Builder
	fmt.Fprintf(&b, "AccessorID:       %s\n", t.AccessorID)
	if withSecret {
		fmt.Fprintf(&b, "SecretID:         %s\n", t.SecretID)
	}
	fmt.Fprintf(&b, "Description:      %s\n", t.Description)
	fmt.Fprintf(&b, "Local:            %t\n", t.Local)
	fmt.Fprintf(&b, "Create Time:      %v\n", t.CreateTime)
	if t.ExpirationTime != nil && !t.ExpirationTime.IsZero() {
		fmt.Fprintf(&b, "Expiration Time:  %v\n", *t.ExpirationTime)
	}
	if meta {
		fmt.Fprintf(&b, "Create Index:     %d\n", t.CreateIndex)
		fmt.Fprintf(&b, "Modify Index:     %d\n", t.ModifyIndex)
	}
	if len(t.Policies) > 0 {
		b.WriteString("Policies:\n")
		for _, p := range t.Policies {
			fmt.Fprintf(&b, "   %s - %s\n", p.ID, p.Name)
		}
	}
	return b.String()
}

// prettyToken decodes one token and renders it with its SecretID.
func prettyToken(meta bool) func([]byte) (string, error) {
	return func(body []byte) (string, error) {
		var t aclToken
		if err := decodeJSON(body, &t); err != nil {
			return "", err
		}
		return formatToken(t, true, meta), nil
	}
}

// prettyTokenList decodes a token list and renders its entries, without
// SecretIDs, separated by empty lines.
func prettyTokenList(meta bool) func([]byte) (string, error) {
	return func(body []byte) (string, error) {
		var ts []aclToken
		if err := decodeJSON(body, &ts); err != nil {
			return "", err
		}
		entries := make([]string, len(ts))
		for i, t := range ts {
			entries[i] = formatToken(t, false, meta)
		}
		return strings.Join(entries, "\n"), nil
	}
}

// tokenPath is the path of one token by AccessorID.
func tokenPath(accessorID string) string {
	return "/v1/acl/token/" + url.PathEscape(accessorID)
}

// policyFlags are the repeatable -policy-id and -policy-name flags.
type policyFlags struct {
	ids, names stringList
}

// addPolicyFlags registers -policy-id and -policy-name on fs.
func addPolicyFlags(fs *flag.FlagSet) *policyFlags {
	p := &policyFlags{}
	fs.Var(&p.ids, "policy-id", "ID of a policy to link to the token (repeatable)")
	fs.Var(&p.names, "policy-name", "Name of a policy to link to the token (repeatable)")
	return p
}

// links returns the policy links the flags name: by name first, then by
// ID, in the order given, as Consul's CLI sends them.
func (p *policyFlags) links() []aclPolicyLink {
	var ls []aclPolicyLink
	for _, n := range p.names {
		ls = append(ls, aclPolicyLink{Name: n})
	}
	for _, id := range p.ids {
		ls = append(ls, aclPolicyLink{ID: id})
	}
	return ls
}

const tokenCreateUsage = `
Usage: cairn acl token create [options]

  Creates a token linked to the policies given by -policy-id and
  -policy-name, and prints it with its SecretID. -local keeps it in this
  datacenter; -expires-ttl makes it stop working after that long.
`

// runTokenCreate creates a token (PUT /v1/acl/token).
func runTokenCreate(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("acl token create", tokenCreateUsage, stderr)
	description := fs.String("description", "", "A description of the token")
	local := fs.Bool("local", false, "Create a token local to this datacenter")
	ttl := fs.Duration("expires-ttl", 0, "Lifetime of the token (e.g. 1h); 0 never expires")
	policies := addPolicyFlags(fs)
	out := addFormatFlags(fs)
	hf := addHTTPFlags(fs, true)
	if code, ok := out.parse(fs, args, stderr); !ok {
		return code
	}
	if *ttl < 0 {
		return usageError(fs, stderr, "Error: -expires-ttl must not be negative")
	}
	req := aclTokenRequest{Description: *description, Policies: policies.links(), Local: *local, ExpirationTTL: *ttl}
	c := hf.client()
	if err := out.show(stdout, c, http.MethodPut, "/v1/acl/token", req, prettyToken(out.meta)); err != nil {
		return aclError(stderr, c, "Failed to create new token", err)
	}
	return 0
}

const tokenListUsage = `
Usage: cairn acl token list [options]

  Lists every token the caller may read, without their SecretIDs.
`

// runTokenList lists tokens (GET /v1/acl/tokens).
func runTokenList(args []string, stdout, stderr io.Writer) int {
	return runACLList("token", tokenListUsage, "/v1/acl/tokens", prettyTokenList, args, stdout, stderr)
}

const tokenReadUsage = `
Usage: cairn acl token read [options] -id ACCESSOR | -self

  Prints the token with the given AccessorID, or with -self the token the
  request carries.
`

// runTokenRead reads one token (GET /v1/acl/token/:id or /self).
func runTokenRead(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("acl token read", tokenReadUsage, stderr)
	id := fs.String("id", "", "The AccessorID of the token to read")
	self := fs.Bool("self", false, "Read the token the request carries (-token or the environment)")
	out := addFormatFlags(fs)
	hf := addHTTPFlags(fs, true)
	if code, ok := out.parse(fs, args, stderr); !ok {
		return code
	}
	switch {
	case *id == "" && !*self:
		return usageError(fs, stderr, "Must specify the -id parameter")
	case *id != "" && *self:
		return usageError(fs, stderr, "Cannot give both -id and -self")
	}
	c := hf.client()
	path, prefix := "/v1/acl/token/self", "Error reading token"
	if !*self {
		full, err := completeTokenID(c, *id)
		if err != nil {
			return aclError(stderr, c, "Error determining token ID", err)
		}
		path, prefix = tokenPath(full), fmt.Sprintf("Error reading token %q", full)
	}
	if err := out.show(stdout, c, http.MethodGet, path, nil, prettyToken(out.meta)); err != nil {
		return aclError(stderr, c, prefix, err)
	}
	return 0
}

const tokenDeleteUsage = `
Usage: cairn acl token delete [options] -id ACCESSOR

  Deletes the token with the given AccessorID.
`

// runTokenDelete deletes one token (DELETE /v1/acl/token/:id).
func runTokenDelete(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("acl token delete", tokenDeleteUsage, stderr)
	id := fs.String("id", "", "The AccessorID of the token to delete")
	hf := addHTTPFlags(fs, true)
	if code, ok := parseArgs(fs, args, 0, stderr); !ok {
		return code
	}
	if *id == "" {
		return usageError(fs, stderr, "Must specify the -id parameter")
	}
	c := hf.client()
	full, err := completeTokenID(c, *id)
	if err != nil {
		return aclError(stderr, c, "Error determining token ID", err)
	}
	if _, err := c.do(http.MethodDelete, tokenPath(full), nil, nil); err != nil {
		return aclError(stderr, c, fmt.Sprintf("Error deleting token %q", full), err)
	}
	fmt.Fprintf(stdout, "Token %q deleted successfully\n", full)
	return 0
}
