package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"
)

// aclCommands lists the subcommands of `cairn acl`.
func aclCommands() []command {
	return []command{
		{"bootstrap", "Bootstrap the ACL system and print the management token", runACLBootstrap},
		{"policy", "Manage ACL policies", runACLPolicy},
		{"token", "Manage ACL tokens", runACLToken},
		{"set-agent-token", "Set an ACL token the agent itself uses", runACLSetAgentToken},
	}
}

// runACL dispatches `cairn acl <subcommand>`.
func runACL(args []string, stdout, stderr io.Writer) int {
	return runGroup("acl", aclCommands(), args, stdout, stderr)
}

// aclPolicyLink names a policy from a token. A request may give either
// field; the server fills in both in its answers.
type aclPolicyLink struct {
	ID   string `json:",omitempty"`
	Name string `json:",omitempty"`
}

// outputFormat is the -format flag of the ACL commands: "pretty" prints
// Consul's labelled lines, "json" prints the server's JSON, indented.
type outputFormat struct {
	format string
	meta   bool
}

// addFormatFlags registers -format and -meta on fs.
func addFormatFlags(fs *flag.FlagSet) *outputFormat {
	o := &outputFormat{}
	fs.StringVar(&o.format, "format", "pretty", "Output format: pretty or json")
	fs.BoolVar(&o.meta, "meta", false, "Also print the Raft indexes of each entry")
	return o
}

// parse parses a command's flags, which take no arguments, and rejects
// an unknown -format before any request is sent. It returns ok=false
// with the exit code when the command must stop.
func (o *outputFormat) parse(fs *flag.FlagSet, args []string, stderr io.Writer) (code int, ok bool) {
	if code, ok := parseArgs(fs, args, 0, stderr); !ok {
		return code, false
	}
	if o.format != "pretty" && o.format != "json" {
		fmt.Fprintf(stderr, "Unknown format: %s\n", o.format)
		return 1, false
	}
	return 0, true
}

// print writes an answer: the body itself, re-indented, for -format=json,
// else what pretty renders from it. The result ends with an empty line
// where Consul's does (its UI adds a newline to text that already ends
// with one).
func (o *outputFormat) print(w io.Writer, body []byte, pretty func([]byte) (string, error)) error {
	if o.format == "json" {
		var b bytes.Buffer
		if err := json.Indent(&b, bytes.TrimSpace(body), "", "    "); err != nil {
			return fmt.Errorf("%w: %v", errMalformed, err)
		}
		fmt.Fprintln(w, b.String())
		return nil
	}
	s, err := pretty(body)
	if err != nil {
		return err
	}
	fmt.Fprintln(w, s)
	return nil
}

// show sends one request, with body encoded as JSON when it is not nil,
// and prints the answer.
func (o *outputFormat) show(stdout io.Writer, c *apiClient, method, path string, body any, pretty func([]byte) (string, error)) error {
	var data []byte
	if body != nil {
		var err error
		if data, err = json.Marshal(body); err != nil {
			panic(fmt.Sprintf("cairn: encoding a request body of type %T: %v", body, err))
		}
	}
	resp, err := c.do(method, path, nil, data)
	if err != nil {
		return err
	}
	return o.print(stdout, resp.body, pretty)
}

// runACLList is `acl token list` and `acl policy list` (what is "token"
// or "policy"): one GET whose answer is printed.
func runACLList(what, usage, path string, pretty func(meta bool) func([]byte) (string, error), args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("acl "+what+" list", usage, stderr)
	out := addFormatFlags(fs)
	hf := addHTTPFlags(fs, true)
	if code, ok := out.parse(fs, args, stderr); !ok {
		return code
	}
	c := hf.client()
	if err := out.show(stdout, c, http.MethodGet, path, nil, pretty(out.meta)); err != nil {
		return aclError(stderr, c, "Failed to retrieve the "+what+" list", err)
	}
	return 0
}

// aclError reports err like reportError, with the request's own token
// and any other secrets given replaced by "<hidden>" wherever they appear, so that a server that
// echoes the caller's SecretID in an error body cannot make the CLI
// print it.
func aclError(stderr io.Writer, c *apiClient, prefix string, err error, secrets ...string) int {
	var b bytes.Buffer
	code := reportError(&b, prefix, err)
	line := b.String()
	for _, s := range append(secrets, c.token) {
		if s != "" {
			line = strings.ReplaceAll(line, s, "<hidden>")
		}
	}
	io.WriteString(stderr, line)
	return code
}

// stringList collects a repeatable string flag.
type stringList []string

// String renders the values for flag's defaults listing.
func (l *stringList) String() string { return strings.Join(*l, ", ") }

// Set adds one value.
func (l *stringList) Set(v string) error {
	*l = append(*l, v)
	return nil
}

const aclBootstrapUsage = `
Usage: cairn acl bootstrap [options]

  Creates the initial management token and prints it. It works once;
  afterwards the servers refuse with the current reset index. To allow
  one more bootstrap, write that index into the file acl-bootstrap-reset
  in the leader's data_dir and run this command again.
`

// resetIndexPattern finds the reset index in a refused bootstrap's reason.
var resetIndexPattern = regexp.MustCompile(`reset index: (\d+)`)

// runACLBootstrap creates the management token (PUT /v1/acl/bootstrap).
func runACLBootstrap(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("acl bootstrap", aclBootstrapUsage, stderr)
	out := addFormatFlags(fs)
	hf := addHTTPFlags(fs, true)
	if code, ok := out.parse(fs, args, stderr); !ok {
		return code
	}
	c := hf.client()
	err := out.show(stdout, c, http.MethodPut, "/v1/acl/bootstrap", nil, prettyToken(out.meta))
	if err == nil {
		return 0
	}
	code := aclError(stderr, c, "Failed ACL bootstrapping", err)
	var se *statusError
	if errors.As(err, &se) {
		if m := resetIndexPattern.FindStringSubmatch(se.body); m != nil {
			fmt.Fprintf(stderr, "To bootstrap again, write %s into acl-bootstrap-reset in the leader's data_dir.\n", m[1])
		}
	}
	return code
}
