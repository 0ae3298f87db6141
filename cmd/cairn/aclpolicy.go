package main

import (
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
)

// policyCommands lists the subcommands of `cairn acl policy`.
func policyCommands() []command {
	return []command{
		{"create", "Create an ACL policy", runPolicyCreate},
		{"list", "List ACL policies", runPolicyList},
		{"read", "Read an ACL policy", runPolicyRead},
		{"update", "Update an ACL policy", runPolicyUpdate},
		{"delete", "Delete an ACL policy", runPolicyDelete},
	}
}

// runACLPolicy dispatches `cairn acl policy <subcommand>`.
func runACLPolicy(args []string, stdout, stderr io.Writer) int {
	return runGroup("acl policy", policyCommands(), args, stdout, stderr)
}

// aclPolicy is a policy as /v1/acl/policy answers it, and the body of a
// create or update (the indexes are omitted there). List entries have the
// same fields but Rules.
type aclPolicy struct {
	ID          string `json:",omitempty"`
	Name        string
	Description string
	Rules       string
	Datacenters []string `json:",omitempty"`
	CreateIndex uint64   `json:",omitempty"`
	ModifyIndex uint64   `json:",omitempty"`
}

// formatPolicy renders a policy in Consul's layout, its rules last.
func formatPolicy(p aclPolicy, meta bool) string {
	var b strings.Builder
	fmt.Fprintf(&b, "ID:           %s\n", p.ID)
	fmt.Fprintf(&b, "Name:         %s\n", p.Name)
	writePolicyDetails(&b, p, meta, "")
	b.WriteString("Rules:\n")
	b.WriteString(p.Rules)
	return b.String()
}

// formatPolicyEntry renders one entry of a policy list: its name, then
// its fields indented.
func formatPolicyEntry(p aclPolicy, meta bool) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s:\n", p.Name)
	fmt.Fprintf(&b, "   ID:           %s\n", p.ID)
	writePolicyDetails(&b, p, meta, "   ")
	return b.String()
}

// writePolicyDetails writes the lines a policy and a list entry share:
// description, datacenters and, with meta, the indexes.
func writePolicyDetails(b *strings.Builder, p aclPolicy, meta bool, indent string) {
	fmt.Fprintf(b, "%sDescription:  %s\n", indent, p.Description)
	fmt.Fprintf(b, "%sDatacenters:  %s\n", indent, strings.Join(p.Datacenters, ", "))
	if meta {
		fmt.Fprintf(b, "%sCreate Index: %d\n", indent, p.CreateIndex)
		fmt.Fprintf(b, "%sModify Index: %d\n", indent, p.ModifyIndex)
	}
}

// prettyPolicy decodes one policy and renders it.
func prettyPolicy(meta bool) func([]byte) (string, error) {
	return func(body []byte) (string, error) {
		var p aclPolicy
		if err := decodeJSON(body, &p); err != nil {
			return "", err
		}
		return formatPolicy(p, meta), nil
	}
}

// prettyPolicyList decodes a policy list and renders its entries.
func prettyPolicyList(meta bool) func([]byte) (string, error) {
	return func(body []byte) (string, error) {
		var ps []aclPolicy
		if err := decodeJSON(body, &ps); err != nil {
			return "", err
		}
		var b strings.Builder
		for _, p := range ps {
			b.WriteString(formatPolicyEntry(p, meta))
		}
		return b.String(), nil
	}
}

// policyPath is the path of one policy by ID.
func policyPath(id string) string {
	return "/v1/acl/policy/" + url.PathEscape(id)
}

// policyFieldFlags are the flags that set a policy's fields, shared by
// create and update: only the flags given on the command line are
// applied.
type policyFieldFlags struct {
	fs                       *flag.FlagSet
	name, description, rules string
	datacenters              stringList
}

// addPolicyFieldFlags registers -name, -description, -rules and
// -valid-datacenter on fs.
func addPolicyFieldFlags(fs *flag.FlagSet) *policyFieldFlags {
	f := &policyFieldFlags{fs: fs}
	fs.StringVar(&f.name, "name", "", "The policy's name")
	fs.StringVar(&f.description, "description", "", "A description of the policy")
	fs.StringVar(&f.rules, "rules", "", "The policy's rules: inline, @file or - for stdin")
	fs.Var(&f.datacenters, "valid-datacenter", "A datacenter where the policy applies (repeatable; default all)")
	return f
}

// loadRules resolves -rules, when given, as `kv put` resolves DATA:
// "@path" reads a file, "-" reads stdin, anything else is the rules text.
func (f *policyFieldFlags) loadRules() error {
	if !flagGiven(f.fs, "rules") {
		return nil
	}
	data, err := readDataArg(f.rules)
	if err != nil {
		return fmt.Errorf("Error loading rules: %v", err)
	}
	f.rules = string(data)
	return nil
}

// apply sets the fields of p whose flags were given.
func (f *policyFieldFlags) apply(p *aclPolicy) {
	if flagGiven(f.fs, "name") {
		p.Name = f.name
	}
	if flagGiven(f.fs, "description") {
		p.Description = f.description
	}
	if flagGiven(f.fs, "rules") {
		p.Rules = f.rules
	}
	if flagGiven(f.fs, "valid-datacenter") {
		p.Datacenters = f.datacenters
	}
}

const policyCreateUsage = `
Usage: cairn acl policy create -name NAME [options]

  Creates a policy and prints it. -rules gives its rules inline, from a
  file with @path or from stdin with "-". -valid-datacenter, repeated,
  limits the datacenters where the policy applies.
`

// runPolicyCreate creates a policy (PUT /v1/acl/policy).
func runPolicyCreate(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("acl policy create", policyCreateUsage, stderr)
	fields := addPolicyFieldFlags(fs)
	out := addFormatFlags(fs)
	hf := addHTTPFlags(fs, true)
	if code, ok := out.parse(fs, args, stderr); !ok {
		return code
	}
	if fields.name == "" {
		return usageError(fs, stderr, "Missing required '-name' flag")
	}
	if err := fields.loadRules(); err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	var p aclPolicy
	fields.apply(&p)
	c := hf.client()
	if err := out.show(stdout, c, http.MethodPut, "/v1/acl/policy", p, prettyPolicy(out.meta)); err != nil {
		return aclError(stderr, c, "Failed to create new policy", err)
	}
	return 0
}

const policyListUsage = `
Usage: cairn acl policy list [options]

  Lists every policy, without its rules.
`

// runPolicyList lists policies (GET /v1/acl/policies).
func runPolicyList(args []string, stdout, stderr io.Writer) int {
	return runACLList("policy", policyListUsage, "/v1/acl/policies", prettyPolicyList, args, stdout, stderr)
}

// policySelector is the -id / -name pair by which read and delete find a
// policy.
type policySelector struct {
	id, name *string
}

// problem returns a usage message when not exactly one of -id and
// -name was given, else "".
func (s policySelector) problem() string {
	switch {
	case *s.id == "" && *s.name == "":
		return "Must specify either the -id or -name parameters"
	case *s.id != "" && *s.name != "":
		return "Cannot give both -id and -name"
	}
	return ""
}

// readPath returns the path that reads the selected policy, completing
// a short -id first.
func (s policySelector) readPath(c *apiClient) (string, error) {
	if *s.name != "" {
		return policyNamePath(*s.name), nil
	}
	id, err := completePolicyID(c, *s.id)
	return policyPath(id), err
}

// resolveID returns the selected policy's full ID, completing a short
// -id or looking a -name up.
func (s policySelector) resolveID(c *apiClient) (string, error) {
	if *s.name == "" {
		return completePolicyID(c, *s.id)
	}
	var p aclPolicy
	if err := c.getJSON(policyNamePath(*s.name), nil, &p); err != nil {
		return "", err
	}
	if p.ID == "" {
		return "", fmt.Errorf("No such policy with name %s", *s.name)
	}
	return p.ID, nil
}

// policyNamePath is the path of one policy by name.
func policyNamePath(name string) string {
	return "/v1/acl/policy/name/" + url.PathEscape(name)
}

// what names the selected policy in an error line.
func (s policySelector) what() string {
	if *s.name != "" {
		return *s.name
	}
	return *s.id
}

const policyReadUsage = `
Usage: cairn acl policy read [options] -id ID | -name NAME

  Prints one policy with its rules.
`

// runPolicyRead reads one policy by ID or by name.
func runPolicyRead(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("acl policy read", policyReadUsage, stderr)
	sel := policySelector{
		id:   fs.String("id", "", "The ID of the policy to read"),
		name: fs.String("name", "", "The name of the policy to read"),
	}
	out := addFormatFlags(fs)
	hf := addHTTPFlags(fs, true)
	if code, ok := out.parse(fs, args, stderr); !ok {
		return code
	}
	if problem := sel.problem(); problem != "" {
		return usageError(fs, stderr, problem)
	}
	c := hf.client()
	path, err := sel.readPath(c)
	if err != nil {
		return aclError(stderr, c, "Error determining policy ID", err)
	}
	if err := out.show(stdout, c, http.MethodGet, path, nil, prettyPolicy(out.meta)); err != nil {
		return aclError(stderr, c, fmt.Sprintf("Error reading policy %q", sel.what()), err)
	}
	return 0
}

const policyDeleteUsage = `
Usage: cairn acl policy delete [options] -id ID | -name NAME

  Deletes one policy. With -name the policy is looked up first to find
  its ID.
`

// runPolicyDelete deletes one policy (DELETE /v1/acl/policy/:id).
func runPolicyDelete(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("acl policy delete", policyDeleteUsage, stderr)
	sel := policySelector{
		id:   fs.String("id", "", "The ID of the policy to delete"),
		name: fs.String("name", "", "The name of the policy to delete"),
	}
	hf := addHTTPFlags(fs, true)
	if code, ok := parseArgs(fs, args, 0, stderr); !ok {
		return code
	}
	if problem := sel.problem(); problem != "" {
		return usageError(fs, stderr, problem)
	}
	c := hf.client()
	id, err := sel.resolveID(c)
	if err != nil {
		return aclError(stderr, c, "Error determining policy ID", err)
	}
	if _, err := c.do(http.MethodDelete, policyPath(id), nil, nil); err != nil {
		return aclError(stderr, c, fmt.Sprintf("Error deleting policy %q", id), err)
	}
	fmt.Fprintf(stdout, "Policy %q deleted successfully\n", id)
	return 0
}
