package main

import (
	"net/http"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// kvAppX is the fake agent's answer for key app/x: value "hello".
const kvAppX = `[{"Key":"app/x","CreateIndex":7,"ModifyIndex":9,"LockIndex":0,"Flags":42,"Value":"aGVsbG8=","Session":""}]`

// TestKVGetPrintsTheRawValueAndSendsTokenAndDC checks the plain read, the
// token header and the dc parameter.
func TestKVGetPrintsTheRawValueAndSendsTokenAndDC(t *testing.T) {
	a := newFakeAgent(t, map[string]http.HandlerFunc{"GET /v1/kv/app/x": replyJSON(kvAppX)})
	code, out, errOut := runCairn("kv", "get", "-token=secret", "-datacenter=dc2", "/app/x")
	require.Equal(t, 0, code, errOut)
	require.Equal(t, "hello\n", out)
	req := a.last(t)
	require.Equal(t, "secret", req.Header.Get("X-Consul-Token"))
	require.Equal(t, "dc2", req.Query.Get("dc"))
	require.False(t, req.Query.Has("recurse"))
}

// TestKVGetTokenComesFromTheEnvironment checks CONSUL_HTTP_TOKEN is used
// and CAIRN_HTTP_TOKEN wins over it.
func TestKVGetTokenComesFromTheEnvironment(t *testing.T) {
	a := newFakeAgent(t, map[string]http.HandlerFunc{"GET /v1/kv/app/x": replyJSON(kvAppX)})
	t.Setenv("CONSUL_HTTP_TOKEN", "consul-token")
	code, _, _ := runCairn("kv", "get", "app/x")
	require.Equal(t, 0, code)
	require.Equal(t, "consul-token", a.last(t).Header.Get("X-Consul-Token"))

	t.Setenv("CAIRN_HTTP_TOKEN", "cairn-token")
	runCairn("kv", "get", "app/x")
	require.Equal(t, "cairn-token", a.last(t).Header.Get("X-Consul-Token"))
	require.False(t, a.last(t).Query.Has("dc"))
}

// TestKVGetMissingKeyFails checks Consul's message for a 404.
func TestKVGetMissingKeyFails(t *testing.T) {
	newFakeAgent(t, nil)
	code, out, errOut := runCairn("kv", "get", "app/none")
	require.Equal(t, 1, code)
	require.Empty(t, out)
	require.Equal(t, "Error! No key exists at: app/none\n", errOut)
}

// TestKVGetDetailedPrintsTheFieldsTable checks the -detailed layout.
func TestKVGetDetailedPrintsTheFieldsTable(t *testing.T) {
	newFakeAgent(t, map[string]http.HandlerFunc{"GET /v1/kv/app/x": replyJSON(kvAppX)})
	code, out, _ := runCairn("kv", "get", "-detailed", "app/x")
	require.Equal(t, 0, code)
	require.Equal(t, ""+
		"CreateIndex      7\n"+
		"Flags            42\n"+
		"Key              app/x\n"+
		"LockIndex        0\n"+
		"ModifyIndex      9\n"+
		"Session          -\n"+
		"Value            hello\n", out)
}

// TestKVGetRecursePrintsKeyValueLines checks -recurse, plain, base64 and
// detailed.
func TestKVGetRecursePrintsKeyValueLines(t *testing.T) {
	a := newFakeAgent(t, map[string]http.HandlerFunc{"GET /v1/kv/app": replyJSON(
		`[{"Key":"app/a","Value":"MQ==","CreateIndex":1,"ModifyIndex":1},{"Key":"app/b","Value":null,"CreateIndex":2,"ModifyIndex":3,"Session":"s-1"}]`)})
	code, out, _ := runCairn("kv", "get", "-recurse", "app")
	require.Equal(t, 0, code)
	require.Equal(t, "app/a:1\napp/b:\n", out)
	require.True(t, a.last(t).Query.Has("recurse"))

	_, out, _ = runCairn("kv", "get", "-recurse", "-base64", "app")
	require.Equal(t, "app/a:MQ==\napp/b:\n", out)

	_, out, _ = runCairn("kv", "get", "-recurse", "-detailed", "app")
	require.Equal(t, ""+
		"CreateIndex      1\nFlags            0\nKey              app/a\nLockIndex        0\n"+
		"ModifyIndex      1\nSession          -\nValue            1\n"+
		"\n"+
		"CreateIndex      2\nFlags            0\nKey              app/b\nLockIndex        0\n"+
		"ModifyIndex      3\nSession          s-1\nValue\n", out)
}

// TestKVGetKeysListsNamesWithSeparator checks -keys and -separator.
func TestKVGetKeysListsNamesWithSeparator(t *testing.T) {
	a := newFakeAgent(t, map[string]http.HandlerFunc{"GET /v1/kv/app/": replyJSON(`["app/a","app/sub/"]`)})
	code, out, _ := runCairn("kv", "get", "-keys", "app/")
	require.Equal(t, 0, code)
	require.Equal(t, "app/a\napp/sub/\n", out)
	req := a.last(t)
	require.True(t, req.Query.Has("keys"))
	require.Equal(t, "/", req.Query.Get("separator"))

	runCairn("kv", "get", "-keys", "-separator=", "app/")
	require.False(t, a.last(t).Query.Has("separator"))
}

// TestKVGetUsageAndAPIErrors checks a missing key argument and an error
// answer from the agent.
func TestKVGetUsageAndAPIErrors(t *testing.T) {
	newFakeAgent(t, map[string]http.HandlerFunc{"GET /v1/kv/app/x": reply(500, "No path to datacenter\n")})
	code, _, errOut := runCairn("kv", "get")
	require.Equal(t, 1, code)
	require.Contains(t, errOut, "Error! Missing KEY argument\n")
	require.Contains(t, errOut, "Usage: cairn kv get")

	code, _, errOut = runCairn("kv", "get", "a", "b")
	require.Equal(t, 1, code)
	require.Contains(t, errOut, "Too many arguments (expected 1, got 2)\n")

	code, out, errOut := runCairn("kv", "get", "-datacenter=dc9", "app/x")
	require.Equal(t, 1, code)
	require.Empty(t, out)
	require.Equal(t, "Error querying Consul agent: Unexpected response code: 500 (No path to datacenter)\n", errOut)
}

// TestKVPutWritesInlineFileAndStdinData checks the three DATA forms, the
// body's content type and the success line.
func TestKVPutWritesInlineFileAndStdinData(t *testing.T) {
	a := newFakeAgent(t, map[string]http.HandlerFunc{"PUT /v1/kv/app/x": replyJSON("true")})
	code, out, errOut := runCairn("kv", "put", "app/x", "v1")
	require.Equal(t, 0, code, errOut)
	require.Equal(t, "Success! Data written to: app/x\n", out)
	req := a.last(t)
	require.Equal(t, "v1", req.Body)
	require.Equal(t, "application/octet-stream", req.Header.Get("Content-Type"))
	require.Empty(t, req.Header.Values("X-Consul-Token"))
	require.False(t, req.Query.Has("dc"))
	require.False(t, req.Query.Has("cas"))
	require.False(t, req.Query.Has("flags"))

	file := filepath.Join(t.TempDir(), "value")
	require.NoError(t, os.WriteFile(file, []byte("from file\n"), 0o600))
	code, _, _ = runCairn("kv", "put", "app/x", "@"+file)
	require.Equal(t, 0, code)
	require.Equal(t, "from file\n", a.last(t).Body)

	withStdin(t, "from stdin")
	code, _, _ = runCairn("kv", "put", "-flags=42", "app/x", "-")
	require.Equal(t, 0, code)
	require.Equal(t, "from stdin", a.last(t).Body)
	require.Equal(t, "42", a.last(t).Query.Get("flags"))

	code, _, _ = runCairn("kv", "put", "-base64", "app/x", "aGk=")
	require.Equal(t, 0, code)
	require.Equal(t, "hi", a.last(t).Body)

	code, _, _ = runCairn("kv", "put", "app/x")
	require.Equal(t, 0, code)
	require.Equal(t, "", a.last(t).Body)
}

// TestKVPutCASSendsTheIndexAndReportsFailure checks the check-and-set
// path: ?cas=N, success on "true", Consul's message on "false".
func TestKVPutCASSendsTheIndexAndReportsFailure(t *testing.T) {
	answer := "false"
	a := newFakeAgent(t, map[string]http.HandlerFunc{"PUT /v1/kv/app/x": func(w http.ResponseWriter, r *http.Request) {
		replyJSON(answer)(w, r)
	}})
	code, out, errOut := runCairn("kv", "put", "-cas", "-modify-index=7", "app/x", "v2")
	require.Equal(t, 1, code)
	require.Empty(t, out)
	require.Equal(t, "Error! Did not write to app/x: CAS failed\n", errOut)
	require.Equal(t, "7", a.last(t).Query.Get("cas"))

	answer = "true"
	code, out, _ = runCairn("kv", "put", "-cas", "-modify-index=7", "app/x", "v2")
	require.Equal(t, 0, code)
	require.Equal(t, "Success! Data written to: app/x\n", out)

	code, _, errOut = runCairn("kv", "put", "-cas", "app/x", "v2")
	require.Equal(t, 1, code)
	require.Contains(t, errOut, "Must specify -modify-index with -cas!")
	require.Contains(t, errOut, "Usage: cairn kv put")
}

// TestKVPutErrors checks usage errors and an ACL denial.
func TestKVPutErrors(t *testing.T) {
	newFakeAgent(t, map[string]http.HandlerFunc{"PUT /v1/kv/app/x": reply(403, "Permission denied")})
	code, _, errOut := runCairn("kv", "put")
	require.Equal(t, 1, code)
	require.Contains(t, errOut, "Error! Missing KEY argument")

	code, _, errOut = runCairn("kv", "put", "a", "b", "c")
	require.Equal(t, 1, code)
	require.Contains(t, errOut, "Error! Too many arguments (expected 1 or 2, got 3)")

	code, _, errOut = runCairn("kv", "put", "app/x", "@/no/such/file")
	require.Equal(t, 1, code)
	require.Contains(t, errOut, "Error! Failed to read file")

	code, _, errOut = runCairn("kv", "put", "app/x", "v")
	require.Equal(t, 1, code)
	require.Equal(t, "Error! Failed writing data: Unexpected response code: 403 (Permission denied)\n", errOut)
}

// TestKVDeleteKeyPrefixAndCAS checks the three delete forms.
func TestKVDeleteKeyPrefixAndCAS(t *testing.T) {
	answer := "true"
	a := newFakeAgent(t, map[string]http.HandlerFunc{
		"DELETE /v1/kv/app/x": func(w http.ResponseWriter, r *http.Request) { replyJSON(answer)(w, r) },
		"DELETE /v1/kv/app":   replyJSON("true"),
	})
	code, out, _ := runCairn("kv", "delete", "app/x")
	require.Equal(t, 0, code)
	require.Equal(t, "Success! Deleted key: app/x\n", out)
	require.Empty(t, a.last(t).Query)

	code, out, _ = runCairn("kv", "delete", "-recurse", "app")
	require.Equal(t, 0, code)
	require.Equal(t, "Success! Deleted keys with prefix: app\n", out)
	require.True(t, a.last(t).Query.Has("recurse"))

	code, out, _ = runCairn("kv", "delete", "-cas", "-modify-index=9", "app/x")
	require.Equal(t, 0, code)
	require.Equal(t, "Success! Deleted key: app/x\n", out)
	require.Equal(t, "9", a.last(t).Query.Get("cas"))

	answer = "false"
	code, _, errOut := runCairn("kv", "delete", "-cas", "-modify-index=9", "app/x")
	require.Equal(t, 1, code)
	require.Equal(t, "Error! Did not delete key app/x: CAS failed\n", errOut)
}

// TestKVDeleteRejectsBadFlagCombinations checks the usage errors that
// mirror Consul's.
func TestKVDeleteRejectsBadFlagCombinations(t *testing.T) {
	a := newFakeAgent(t, nil)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"kv", "delete"}, "Error! Missing KEY argument"},
		{[]string{"kv", "delete", "-cas", "k"}, "Provide a -modify-index greater than than 0."},
		{[]string{"kv", "delete", "-modify-index=3", "k"}, "Cannot specify -modify-index without -cas!"},
		{[]string{"kv", "delete", "-recurse", "-cas", "-modify-index=3", "k"}, "Cannot specify both -cas and -recurse!"},
	} {
		code, _, errOut := runCairn(tc.args...)
		require.Equal(t, 1, code, tc.args)
		require.Contains(t, errOut, tc.want, tc.args)
		require.Contains(t, errOut, "Usage: cairn kv delete", tc.args)
	}
	require.Empty(t, a.seen())
}

// TestKVExportPrintsConsulsJSONDocument checks the export format.
func TestKVExportPrintsConsulsJSONDocument(t *testing.T) {
	a := newFakeAgent(t, map[string]http.HandlerFunc{"GET /v1/kv/app": replyJSON(
		`[{"Key":"app/a","Flags":0,"Value":"MQ=="},{"Key":"app/b","Flags":42,"Value":null}]`)})
	code, out, _ := runCairn("kv", "export", "app")
	require.Equal(t, 0, code)
	require.Equal(t, "[\n\t{\n\t\t\"key\": \"app/a\",\n\t\t\"flags\": 0,\n\t\t\"value\": \"MQ==\"\n\t},\n"+
		"\t{\n\t\t\"key\": \"app/b\",\n\t\t\"flags\": 42,\n\t\t\"value\": \"\"\n\t}\n]\n", out)
	require.True(t, a.last(t).Query.Has("recurse"))

	newFakeAgent(t, nil)
	code, out, _ = runCairn("kv", "export", "none")
	require.Equal(t, 0, code)
	require.Equal(t, "[]\n", out)
}

// TestKVImportWritesEachEntry checks import from stdin and from a file:
// values decoded from base64, flags passed on, one line per key.
func TestKVImportWritesEachEntry(t *testing.T) {
	a := newFakeAgent(t, map[string]http.HandlerFunc{
		"PUT /v1/kv/app/a": replyJSON("true"),
		"PUT /v1/kv/app/b": replyJSON("true"),
	})
	doc := `[{"key":"app/a","flags":0,"value":"MQ=="},{"key":"app/b","flags":42,"value":"Mg=="}]`
	withStdin(t, doc)
	code, out, errOut := runCairn("kv", "import", "-")
	require.Equal(t, 0, code, errOut)
	require.Equal(t, "Imported: app/a\nImported: app/b\n", out)
	reqs := a.seen()
	require.Len(t, reqs, 2)
	require.Equal(t, "1", reqs[0].Body)
	require.False(t, reqs[0].Query.Has("flags"))
	require.Equal(t, "2", reqs[1].Body)
	require.Equal(t, "42", reqs[1].Query.Get("flags"))

	file := filepath.Join(t.TempDir(), "export.json")
	require.NoError(t, os.WriteFile(file, []byte(doc), 0o600))
	code, _, _ = runCairn("kv", "import", "@"+file)
	require.Equal(t, 0, code)
	require.Len(t, a.seen(), 4)

	code, _, errOut = runCairn("kv", "import", "not json")
	require.Equal(t, 1, code)
	require.Contains(t, errOut, "Cannot unmarshal data: ")

	code, _, errOut = runCairn("kv", "import", `[{"key":"app/a","value":"!!"}]`)
	require.Equal(t, 1, code)
	require.Contains(t, errOut, "Error base 64 decoding value for key app/a")

	code, _, errOut = runCairn("kv", "import")
	require.Equal(t, 1, code)
	require.Contains(t, errOut, "Error! Missing DATA argument")
}

// TestKVGroupDispatchesAndRejectsUnknownSubcommands checks `cairn kv`.
func TestKVGroupDispatchesAndRejectsUnknownSubcommands(t *testing.T) {
	code, _, errOut := runCairn("kv")
	require.Equal(t, 1, code)
	require.Contains(t, errOut, "Usage: cairn kv <subcommand>")
	require.Contains(t, errOut, "export")

	code, _, errOut = runCairn("kv", "frob")
	require.Equal(t, 1, code)
	require.Contains(t, errOut, `unknown command "kv frob"`)

	code, out, _ := runCairn("kv", "-h")
	require.Equal(t, 0, code)
	require.Contains(t, out, "import")
}

// TestKVPutAcquireAndReleaseTheLock checks -acquire and -release: the
// session parameter, Consul's lines for "true" and "false", and the
// missing -session error.
func TestKVPutAcquireAndReleaseTheLock(t *testing.T) {
	answer := "true"
	a := newFakeAgent(t, map[string]http.HandlerFunc{"PUT /v1/kv/lock": func(w http.ResponseWriter, r *http.Request) {
		replyJSON(answer)(w, r)
	}})
	code, out, _ := runCairn("kv", "put", "-acquire", "-session=s-1", "lock", "me")
	require.Equal(t, 0, code)
	require.Equal(t, "Success! Lock acquired on: lock\n", out)
	require.Equal(t, "s-1", a.last(t).Query.Get("acquire"))

	code, out, _ = runCairn("kv", "put", "-release", "-session=s-1", "lock")
	require.Equal(t, 0, code)
	require.Equal(t, "Success! Lock released on: lock\n", out)
	require.Equal(t, "s-1", a.last(t).Query.Get("release"))

	answer = "false"
	code, _, errOut := runCairn("kv", "put", "-acquire", "-session=s-2", "lock")
	require.Equal(t, 1, code)
	require.Equal(t, "Error! Did not acquire lock\n", errOut)
	code, _, errOut = runCairn("kv", "put", "-release", "-session=s-2", "lock")
	require.Equal(t, 1, code)
	require.Equal(t, "Error! Did not release lock\n", errOut)

	n := len(a.seen())
	code, _, errOut = runCairn("kv", "put", "-acquire", "lock")
	require.Equal(t, 1, code)
	require.Contains(t, errOut, "Error! Missing -session (required with -acquire and -release)")
	require.Len(t, a.seen(), n)
}
