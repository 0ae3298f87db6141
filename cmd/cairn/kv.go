package main

import (
	"bytes"
	"encoding/base64"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"text/tabwriter"
)

// kvCommands lists the subcommands of `cairn kv`.
func kvCommands() []command {
	return []command{
		{"get", "Retrieve or list data from the KV store", runKVGet},
		{"put", "Set or update data in the KV store", runKVPut},
		{"delete", "Remove data from the KV store", runKVDelete},
		{"export", "Export a tree from the KV store as JSON", runKVExport},
		{"import", "Import a tree stored as JSON into the KV store", runKVImport},
	}
}

// runKV dispatches `cairn kv <subcommand>`.
func runKV(args []string, stdout, stderr io.Writer) int {
	return runGroup("kv", kvCommands(), args, stdout, stderr)
}

// kvPair is one entry of the KV store as the HTTP API renders it; Value
// travels as base64 and encoding/json decodes it into bytes.
type kvPair struct {
	Key         string
	CreateIndex uint64
	ModifyIndex uint64
	LockIndex   uint64
	Flags       uint64
	Value       []byte
	Session     string
}

const kvGetUsage = `
Usage: cairn kv get [options] [KEY_OR_PREFIX]

  Prints the raw value stored at KEY. -detailed adds the entry's metadata,
  -recurse prints every "key:value" under the prefix, -keys lists the key
  names under the prefix up to the next -separator.
`

// runKVGet reads one key, a prefix (-recurse) or key names (-keys).
func runKVGet(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("kv get", kvGetUsage, stderr)
	b64 := fs.Bool("base64", false, "Print values base64-encoded")
	detailed := fs.Bool("detailed", false, "Print the entry's metadata as well as its value")
	keys := fs.Bool("keys", false, "List key names under the prefix, not their values")
	recurse := fs.Bool("recurse", false, "Print every key-value pair under the prefix")
	separator := fs.String("separator", "/", "Separator that ends a listed key (with -keys)")
	hf := addHTTPFlags(fs, true)
	if code, ok := parseArgs(fs, args, 1, stderr); !ok {
		return code
	}
	key := kvKeyArg(fs)
	if key == "" && !*recurse && !*keys {
		return usageError(fs, stderr, "Error! Missing KEY argument")
	}
	c := hf.client()
	switch {
	case *keys:
		q := url.Values{"keys": {""}}
		if *separator != "" {
			q.Set("separator", *separator)
		}
		var names []string
		if err := kvList(c, key, q, &names); err != nil {
			return reportError(stderr, "Error querying Consul agent", err)
		}
		for _, n := range names {
			fmt.Fprintln(stdout, n)
		}
		return 0
	case *recurse:
		var pairs []kvPair
		if err := kvList(c, key, url.Values{"recurse": {""}}, &pairs); err != nil {
			return reportError(stderr, "Error querying Consul agent", err)
		}
		printKVPairs(stdout, pairs, *detailed, *b64)
		return 0
	}
	var pairs []kvPair
	if err := kvList(c, key, nil, &pairs); err != nil {
		return reportError(stderr, "Error querying Consul agent", err)
	}
	if len(pairs) == 0 {
		fmt.Fprintf(stderr, "Error! No key exists at: %s\n", key)
		return 1
	}
	if *detailed {
		fmt.Fprintln(stdout, detailedKVPair(pairs[0], *b64))
		return 0
	}
	fmt.Fprintln(stdout, string(pairs[0].Value))
	return 0
}

// kvKeyArg returns the optional KEY argument without a leading "/",
// which no key can start with.
func kvKeyArg(fs *flag.FlagSet) string {
	return strings.TrimPrefix(fs.Arg(0), "/")
}

// kvList GETs /v1/kv/<key> and decodes the answer into out; a 404 (no
// such key or prefix) leaves out empty.
func kvList(c *apiClient, key string, q url.Values, out any) error {
	resp, err := c.send(http.MethodGet, kvPath(key), q, nil)
	if err != nil {
		return err
	}
	switch {
	case resp.code == http.StatusNotFound:
		return nil
	case resp.code/100 != 2:
		return &statusError{code: resp.code, body: oneLine(string(resp.body))}
	}
	return decodeJSON(resp.body, out)
}

// kvPath escapes each segment of key into the /v1/kv/ path.
func kvPath(key string) string {
	parts := strings.Split(key, "/")
	for i, p := range parts {
		parts[i] = url.PathEscape(p)
	}
	return "/v1/kv/" + strings.Join(parts, "/")
}

// printKVPairs prints a prefix listing: "key:value" lines, or detailed
// blocks separated by blank lines.
func printKVPairs(w io.Writer, pairs []kvPair, detailed, b64 bool) {
	for i, p := range pairs {
		if !detailed {
			fmt.Fprintf(w, "%s:%s\n", p.Key, kvValue(p.Value, b64))
			continue
		}
		fmt.Fprintln(w, detailedKVPair(p, b64))
		if i < len(pairs)-1 {
			fmt.Fprintln(w)
		}
	}
}

// detailedKVPair renders the fields of p in Consul's -detailed layout: a
// two-column table, Session "-" when unlocked, no newline after Value.
func detailedKVPair(p kvPair, b64 bool) string {
	var b bytes.Buffer
	tw := tabwriter.NewWriter(&b, 0, 2, 6, ' ', 0)
	session := p.Session
	if session == "" {
		session = "-"
	}
	fmt.Fprintf(tw, "CreateIndex\t%d\n", p.CreateIndex)
	fmt.Fprintf(tw, "Flags\t%d\n", p.Flags)
	fmt.Fprintf(tw, "Key\t%s\n", p.Key)
	fmt.Fprintf(tw, "LockIndex\t%d\n", p.LockIndex)
	fmt.Fprintf(tw, "ModifyIndex\t%d\n", p.ModifyIndex)
	fmt.Fprintf(tw, "Session\t%s\n", session)
	fmt.Fprintf(tw, "Value\t%s", kvValue(p.Value, b64))
	tw.Flush()
	return b.String()
}

// kvValue renders a value raw or base64-encoded.
func kvValue(v []byte, b64 bool) string {
	if b64 {
		return base64.StdEncoding.EncodeToString(v)
	}
	return string(v)
}
