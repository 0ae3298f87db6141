package main

import (
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
)

const kvPutUsage = `
Usage: cairn kv put [options] KEY [DATA]

  Writes DATA at KEY. DATA may be given inline, read from a file with
  @path, or read from stdin with "-"; without DATA the key is written empty.
  -cas with -modify-index=N writes only if the key's ModifyIndex is still N.
  -acquire and -release with -session=ID take and give back the key's lock.
`

// runKVPut writes one key: plainly, as a check-and-set, or while taking
// or releasing the key's lock for a session.
func runKVPut(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("kv put", kvPutUsage, stderr)
	cas := fs.Bool("cas", false, "Write only if the key's ModifyIndex equals -modify-index")
	flags := fs.Uint64("flags", 0, "Unsigned integer stored with the key, uninterpreted")
	b64 := fs.Bool("base64", false, "DATA is base64-encoded")
	modifyIndex := fs.Uint64("modify-index", 0, "ModifyIndex the key must have (with -cas)")
	session := fs.String("session", "", "Session ID that takes or releases the lock (with -acquire, -release)")
	acquire := fs.Bool("acquire", false, "Take the key's lock for -session, creating the key if needed")
	release := fs.Bool("release", false, "Give back the key's lock held by -session")
	hf := addHTTPFlags(fs, true)
	if err := fs.Parse(args); err != nil {
		return exitForParse(err)
	}
	key, data, err := kvPutArgs(fs.Args())
	if err != nil {
		return usageError(fs, stderr, "Error! "+err.Error())
	}
	if *b64 {
		if data, err = base64.StdEncoding.DecodeString(string(data)); err != nil {
			fmt.Fprintf(stderr, "Error! Cannot base 64 decode data: %v\n", err)
			return 1
		}
	}
	switch {
	case (*acquire || *release) && *session == "":
		return usageError(fs, stderr, "Error! Missing -session (required with -acquire and -release)")
	case *cas && *modifyIndex == 0:
		return usageError(fs, stderr, "Must specify -modify-index with -cas!")
	}
	mode := kvPutModeFor(key, *cas, *modifyIndex, *acquire, *release, *session)
	q := url.Values{}
	if *flags != 0 {
		q.Set("flags", strconv.FormatUint(*flags, 10))
	}
	if mode.param != "" {
		q.Set(mode.param, mode.value)
	}
	resp, err := hf.client().do(http.MethodPut, kvPath(key), q, data)
	switch {
	case err != nil:
		return reportError(stderr, mode.errPrefix, err)
	case mode.refused != "" && strings.TrimSpace(string(resp.body)) != "true":
		fmt.Fprintln(stderr, mode.refused)
		return 1
	}
	fmt.Fprintln(stdout, mode.done)
	return 0
}

// kvPutMode is what differs between the kinds of write: the query
// parameter that makes it conditional (none for a plain write), and the
// lines Consul prints when the request fails, when the agent answers
// "false", and on success.
type kvPutMode struct {
	param, value string
	errPrefix    string
	refused      string
	done         string
}

// kvPutModeFor picks the kind of write; -cas wins over -acquire, which
// wins over -release, as in Consul.
func kvPutModeFor(key string, cas bool, modifyIndex uint64, acquire, release bool, session string) kvPutMode {
	switch {
	case cas:
		return kvPutMode{"cas", strconv.FormatUint(modifyIndex, 10), "Error! Did not write to " + key,
			"Error! Did not write to " + key + ": CAS failed", "Success! Data written to: " + key}
	case acquire:
		return kvPutMode{"acquire", session, "Error! Failed writing data",
			"Error! Did not acquire lock", "Success! Lock acquired on: " + key}
	case release:
		return kvPutMode{"release", session, "Error! Failed writing data",
			"Error! Did not release lock", "Success! Lock released on: " + key}
	}
	return kvPutMode{errPrefix: "Error! Failed writing data", done: "Success! Data written to: " + key}
}

// kvPutArgs splits KEY [DATA] and resolves DATA: "@file" reads the file,
// "-" reads stdin, anything else is the value itself.
func kvPutArgs(args []string) (string, []byte, error) {
	switch len(args) {
	case 0:
		return "", nil, fmt.Errorf("Missing KEY argument")
	case 1:
		return args[0], []byte{}, nil
	case 2:
	default:
		return "", nil, fmt.Errorf("Too many arguments (expected 1 or 2, got %d)", len(args))
	}
	data, err := readDataArg(args[1])
	return args[0], data, err
}

// readDataArg resolves a DATA argument: "@path" is a file's contents, "-"
// is all of stdin, anything else (including "") is the data itself.
func readDataArg(arg string) ([]byte, error) {
	switch {
	case strings.HasPrefix(arg, "@"):
		data, err := os.ReadFile(arg[1:])
		if err != nil {
			return nil, fmt.Errorf("Failed to read file: %v", err)
		}
		return data, nil
	case arg == "-":
		data, err := io.ReadAll(stdin)
		if err != nil {
			return nil, fmt.Errorf("Failed to read stdin: %v", err)
		}
		return data, nil
	}
	return []byte(arg), nil
}

const kvDeleteUsage = `
Usage: cairn kv delete [options] KEY_OR_PREFIX

  Removes KEY from the KV store; nothing happens if it does not exist.
  -recurse removes every key under the prefix. -cas with -modify-index=N
  removes the key only if its ModifyIndex is still N.
`

// runKVDelete removes one key, a prefix, or a key by check-and-set.
func runKVDelete(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("kv delete", kvDeleteUsage, stderr)
	cas := fs.Bool("cas", false, "Delete only if the key's ModifyIndex equals -modify-index")
	modifyIndex := fs.Uint64("modify-index", 0, "ModifyIndex the key must have (with -cas)")
	recurse := fs.Bool("recurse", false, "Delete every key under the prefix")
	hf := addHTTPFlags(fs, true)
	if code, ok := parseArgs(fs, args, 1, stderr); !ok {
		return code
	}
	key := kvKeyArg(fs)
	switch {
	case key == "" && !*recurse:
		return usageError(fs, stderr, "Error! Missing KEY argument")
	case *cas && *modifyIndex == 0:
		return usageError(fs, stderr, "Cannot delete a key that does not exist. Provide a -modify-index greater than than 0.")
	case *modifyIndex != 0 && !*cas:
		return usageError(fs, stderr, "Cannot specify -modify-index without -cas!")
	case *recurse && *cas:
		return usageError(fs, stderr, "Cannot specify both -cas and -recurse!")
	}
	c := hf.client()
	switch {
	case *recurse:
		if _, err := c.do(http.MethodDelete, kvPath(key), url.Values{"recurse": {""}}, nil); err != nil {
			return reportError(stderr, "Error! Did not delete prefix "+key, err)
		}
		fmt.Fprintf(stdout, "Success! Deleted keys with prefix: %s\n", key)
	case *cas:
		q := url.Values{"cas": {strconv.FormatUint(*modifyIndex, 10)}}
		resp, err := c.do(http.MethodDelete, kvPath(key), q, nil)
		if err != nil {
			return reportError(stderr, "Error! Did not delete key "+key, err)
		}
		if strings.TrimSpace(string(resp.body)) != "true" {
			fmt.Fprintf(stderr, "Error! Did not delete key %s: CAS failed\n", key)
			return 1
		}
		fmt.Fprintf(stdout, "Success! Deleted key: %s\n", key)
	default:
		if _, err := c.do(http.MethodDelete, kvPath(key), nil, nil); err != nil {
			return reportError(stderr, "Error deleting key "+key, err)
		}
		fmt.Fprintf(stdout, "Success! Deleted key: %s\n", key)
	}
	return 0
}
