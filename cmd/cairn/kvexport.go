package main

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
)

// kvEntry is one key in the JSON document `kv export` writes and
// `kv import` reads, field for field as Consul's.
type kvEntry struct {
	Key   string `json:"key"`
	Flags uint64 `json:"flags"`
	Value string `json:"value"`
}

const kvExportUsage = `
Usage: cairn kv export [options] [PREFIX]

  Prints every key under PREFIX as a JSON array of {key, flags, value},
  values base64-encoded, ready for "cairn kv import".
`

// runKVExport prints a subtree of the KV store as JSON.
func runKVExport(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("kv export", kvExportUsage, stderr)
	hf := addHTTPFlags(fs, true)
	if code, ok := parseArgs(fs, args, 1, stderr); !ok {
		return code
	}
	prefix := kvKeyArg(fs)
	var pairs []kvPair
	if err := kvList(hf.client(), prefix, url.Values{"recurse": {""}}, &pairs); err != nil {
		return reportError(stderr, "Error querying Consul agent", err)
	}
	entries := make([]kvEntry, len(pairs))
	for i, p := range pairs {
		entries[i] = kvEntry{Key: p.Key, Flags: p.Flags, Value: base64.StdEncoding.EncodeToString(p.Value)}
	}
	out, err := json.MarshalIndent(entries, "", "\t")
	if err != nil {
		return reportError(stderr, "Error exporting KV data", err)
	}
	fmt.Fprintln(stdout, string(out))
	return 0
}

const kvImportUsage = `
Usage: cairn kv import [options] DATA

  Writes every entry of a JSON document made by "cairn kv export". DATA is
  the document itself, @path to read a file, or "-" to read stdin.
`

// runKVImport writes the entries of an exported document one by one.
func runKVImport(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("kv import", kvImportUsage, stderr)
	hf := addHTTPFlags(fs, true)
	if err := fs.Parse(args); err != nil {
		return exitForParse(err)
	}
	switch n := fs.NArg(); {
	case n == 0:
		return usageError(fs, stderr, "Error! Missing DATA argument")
	case n > 1:
		return usageError(fs, stderr, fmt.Sprintf("Error! Too many arguments (expected 1, got %d)", n))
	case fs.Arg(0) == "":
		return usageError(fs, stderr, "Error! Empty DATA argument")
	}
	data, err := readDataArg(fs.Arg(0))
	if err != nil {
		fmt.Fprintf(stderr, "Error! %v\n", err)
		return 1
	}
	entries, err := parseKVEntries(data)
	if err != nil {
		fmt.Fprintf(stderr, "Cannot unmarshal data: %v\n", err)
		return 1
	}
	c := hf.client()
	for _, e := range entries {
		value, err := base64.StdEncoding.DecodeString(e.Value)
		if err != nil {
			fmt.Fprintf(stderr, "Error base 64 decoding value for key %s: %v\n", e.Key, err)
			return 1
		}
		q := url.Values{}
		if e.Flags != 0 {
			q.Set("flags", strconv.FormatUint(e.Flags, 10))
		}
		if _, err := c.do(http.MethodPut, kvPath(e.Key), q, value); err != nil {
			return reportError(stderr, "Error! Failed writing data for key "+e.Key, err)
		}
		fmt.Fprintf(stdout, "Imported: %s\n", e.Key)
	}
	return 0
}

// parseKVEntries decodes an export document.
func parseKVEntries(data []byte) ([]kvEntry, error) {
	var entries []kvEntry
	if err := json.Unmarshal(data, &entries); err != nil {
		return nil, err
	}
	return entries, nil
}
