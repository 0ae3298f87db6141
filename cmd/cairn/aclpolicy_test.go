package main

import (
	"net/http"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// webRules is the rule text of the web policy.
const webRules = "service \"web\" {\n  policy = \"write\"\n}\n"

// webPolicy is the web policy as /v1/acl/policy answers it.
const webPolicy = `{"ID":"165d4317-e379-f732-ce70-86278c4558f7","Name":"web","Description":"Web service",` +
	`"Rules":"service \"web\" {\n  policy = \"write\"\n}\n","Datacenters":["dc1","dc2"],"CreateIndex":30,"ModifyIndex":31}`

// webPolicyPretty is webPolicy in Consul's layout.
const webPolicyPretty = "" +
	"ID:           165d4317-e379-f732-ce70-86278c4558f7\n" +
	"Name:         web\n" +
	"Description:  Web service\n" +
	"Datacenters:  dc1, dc2\n" +
	"Rules:\n" +
	webRules + "\n"

// TestPolicyCreateReadsRulesFromAFile checks the PUT body with rules
// from @file and two -valid-datacenter flags, and the printed policy.
func TestPolicyCreateReadsRulesFromAFile(t *testing.T) {
	a := newFakeAgent(t, map[string]http.HandlerFunc{"PUT /v1/acl/policy": replyJSON(webPolicy)})
	file := filepath.Join(t.TempDir(), "web.hcl")
	require.NoError(t, os.WriteFile(file, []byte(webRules), 0o600))
	code, out, errOut := runCairn("acl", "policy", "create", "-name=web", "-description=Web service",
		"-rules=@"+file, "-valid-datacenter=dc1", "-valid-datacenter=dc2")
	require.Equal(t, 0, code, errOut)
	require.Equal(t, webPolicyPretty, out)
	req := a.last(t)
	require.Equal(t, http.MethodPut, req.Method)
	require.Equal(t, map[string]any{
		"Name": "web", "Description": "Web service", "Rules": webRules, "Datacenters": []any{"dc1", "dc2"},
	}, decodeBody(t, req.Body))
}

// TestPolicyCreateTakesInlineRulesAndStdin checks inline rules, "-" for
// stdin, and that no Datacenters are sent when none were given.
func TestPolicyCreateTakesInlineRulesAndStdin(t *testing.T) {
	a := newFakeAgent(t, map[string]http.HandlerFunc{"PUT /v1/acl/policy": replyJSON(webPolicy)})
	code, _, errOut := runCairn("acl", "policy", "create", "-name=ro", "-rules", `key_prefix "" { policy = "read" }`)
	require.Equal(t, 0, code, errOut)
	require.JSONEq(t, `{"Name":"ro","Description":"","Rules":"key_prefix \"\" { policy = \"read\" }"}`, a.last(t).Body)

	withStdin(t, webRules)
	code, _, errOut = runCairn("acl", "policy", "create", "-name=web", "-rules=-")
	require.Equal(t, 0, code, errOut)
	require.Equal(t, webRules, decodeBody(t, a.last(t).Body)["Rules"])
}

// TestPolicyCreateUsageErrorsSendNothing checks the missing -name and an
// unreadable rules file.
func TestPolicyCreateUsageErrorsSendNothing(t *testing.T) {
	a := newFakeAgent(t, nil)
	requireUsageError(t, "Missing required '-name' flag", "acl", "policy", "create", "-rules=acl = \"read\"")
	requireUsageError(t, "Usage: cairn acl policy create", "acl", "policy", "create")

	missing := filepath.Join(t.TempDir(), "missing.hcl")
	code, out, errOut := runCairn("acl", "policy", "create", "-name=web", "-rules=@"+missing)
	require.Equal(t, 1, code)
	require.Empty(t, out)
	require.Regexp(t, `^Error loading rules: Failed to read file: open .*missing\.hcl: no such file or directory\n$`, errOut)
	require.Empty(t, a.seen())
}

// TestPolicyCreateRefusedShowsTheServersReason checks a 400 on create.
func TestPolicyCreateRefusedShowsTheServersReason(t *testing.T) {
	newFakeAgent(t, map[string]http.HandlerFunc{
		"PUT /v1/acl/policy": reply(http.StatusBadRequest, "Invalid Policy: A Policy with Name \"web\" already exists\n"),
	})
	requireFailure(t, "Failed to create new policy: Unexpected response code: 400 (Invalid Policy: A Policy with Name \"web\" already exists)\n",
		"acl", "policy", "create", "-name=web")
}

// TestPolicyListPrintsEachPolicyByName checks the list layout and -meta.
func TestPolicyListPrintsEachPolicyByName(t *testing.T) {
	a := newFakeAgent(t, map[string]http.HandlerFunc{"GET /v1/acl/policies": replyJSON(`[
		{"ID":"00000000-0000-0000-0000-000000000001","Name":"global-management","Description":"Builtin Policy that grants unlimited access","CreateIndex":4,"ModifyIndex":4},
		{"ID":"165d4317-e379-f732-ce70-86278c4558f7","Name":"web","Description":"Web service","Datacenters":["dc1","dc2"],"CreateIndex":30,"ModifyIndex":31}]`)})
	code, out, errOut := runCairn("acl", "policy", "list")
	require.Equal(t, 0, code, errOut)
	require.Equal(t, ""+
		"global-management:\n"+
		"   ID:           00000000-0000-0000-0000-000000000001\n"+
		"   Description:  Builtin Policy that grants unlimited access\n"+
		"   Datacenters:  \n"+
		"web:\n"+
		"   ID:           165d4317-e379-f732-ce70-86278c4558f7\n"+
		"   Description:  Web service\n"+
		"   Datacenters:  dc1, dc2\n"+
		"\n", out)
	require.Equal(t, http.MethodGet, a.last(t).Method)

	_, out, _ = runCairn("acl", "policy", "list", "-meta")
	require.Contains(t, out, "   Datacenters:  dc1, dc2\n   Create Index: 30\n   Modify Index: 31\n")
}

// TestPolicyReadByIDOrName checks both paths, the layout with -meta and
// -format=json, and the usage errors.
func TestPolicyReadByIDOrName(t *testing.T) {
	a := newFakeAgent(t, map[string]http.HandlerFunc{
		"GET /v1/acl/policy/165d4317-e379-f732-ce70-86278c4558f7": replyJSON(webPolicy),
		"GET /v1/acl/policy/name/web":                             replyJSON(webPolicy),
	})
	code, out, errOut := runCairn("acl", "policy", "read", "-id=165d4317-e379-f732-ce70-86278c4558f7")
	require.Equal(t, 0, code, errOut)
	require.Equal(t, webPolicyPretty, out)

	code, out, errOut = runCairn("acl", "policy", "read", "-name=web", "-meta")
	require.Equal(t, 0, code, errOut)
	require.Contains(t, out, "Datacenters:  dc1, dc2\nCreate Index: 30\nModify Index: 31\nRules:\n")
	require.Equal(t, "/v1/acl/policy/name/web", a.last(t).Path)

	code, out, _ = runCairn("acl", "policy", "read", "-name=web", "-format=json")
	require.Equal(t, 0, code)
	require.Contains(t, out, "    \"Rules\": \"service \\\"web\\\" {\\n  policy = \\\"write\\\"\\n}\\n\",\n")

	n := len(a.seen())
	requireUsageError(t, "Must specify either the -id or -name parameters", "acl", "policy", "read")
	requireUsageError(t, "Cannot give both -id and -name", "acl", "policy", "read", "-id=a", "-name=b")
	require.Len(t, a.seen(), n)
}

// TestPolicyReadMissingShowsOneLine checks a 404 on read by name.
func TestPolicyReadMissingShowsOneLine(t *testing.T) {
	newFakeAgent(t, map[string]http.HandlerFunc{"GET /v1/acl/policy/name/nope": reply(http.StatusNotFound, "ACL not found\n")})
	requireFailure(t, "Error reading policy \"nope\": Unexpected response code: 404 (ACL not found)\n", "acl", "policy", "read", "-name=nope")
}

// TestPolicyUpdateChangesOnlyWhatWasGiven checks the read-modify-write:
// the PUT keeps the current name and description, takes the new rules
// and datacenters, and sends no indexes.
func TestPolicyUpdateChangesOnlyWhatWasGiven(t *testing.T) {
	path := "/v1/acl/policy/165d4317-e379-f732-ce70-86278c4558f7"
	a := newFakeAgent(t, map[string]http.HandlerFunc{"GET " + path: replyJSON(webPolicy), "PUT " + path: replyJSON(webPolicy)})
	code, out, errOut := runCairn("acl", "policy", "update", "-id=165d4317-e379-f732-ce70-86278c4558f7",
		"-rules=service \"web\" { policy = \"read\" }", "-valid-datacenter=dc3")
	require.Equal(t, 0, code, errOut)
	require.Equal(t, webPolicyPretty, out)
	reqs := a.seen()
	require.Len(t, reqs, 2)
	require.Equal(t, http.MethodGet, reqs[0].Method)
	require.Equal(t, http.MethodPut, reqs[1].Method)
	require.JSONEq(t, `{"ID":"165d4317-e379-f732-ce70-86278c4558f7","Name":"web","Description":"Web service",
		"Rules":"service \"web\" { policy = \"read\" }","Datacenters":["dc3"]}`, reqs[1].Body)

	code, _, errOut = runCairn("acl", "policy", "update", "-id=165d4317-e379-f732-ce70-86278c4558f7", "-name=www", "-description=")
	require.Equal(t, 0, code, errOut)
	require.JSONEq(t, `{"ID":"165d4317-e379-f732-ce70-86278c4558f7","Name":"www","Description":"",
		"Rules":"service \"web\" {\n  policy = \"write\"\n}\n","Datacenters":["dc1","dc2"]}`, a.last(t).Body)
}

// TestPolicyUpdateErrors checks the missing -id, a missing rules file
// (before any request) and a refused PUT.
func TestPolicyUpdateErrors(t *testing.T) {
	path := "/v1/acl/policy/11111111-2222-3333-4444-555555555555"
	a := newFakeAgent(t, map[string]http.HandlerFunc{"GET " + path: replyJSON(webPolicy), "PUT " + path: reply(http.StatusForbidden, "Permission denied")})
	requireUsageError(t, "Cannot update a policy without specifying the -id parameter", "acl", "policy", "update", "-name=x")
	requireUsageError(t, "Error loading rules: Failed to read file", "acl", "policy", "update", "-id=11111111-2222-3333-4444-555555555555", "-rules=@"+filepath.Join(t.TempDir(), "none"))
	require.Empty(t, a.seen())

	requireFailure(t, "Error updating policy \"11111111-2222-3333-4444-555555555555\": Unexpected response code: 403 (Permission denied)\n",
		"acl", "policy", "update", "-id=11111111-2222-3333-4444-555555555555", "-name=x")
}

// TestPolicyDeleteByIDOrName checks the DELETE by ID, the lookup by name
// first, and the errors.
func TestPolicyDeleteByIDOrName(t *testing.T) {
	a := newFakeAgent(t, map[string]http.HandlerFunc{
		"DELETE /v1/acl/policy/165d4317-e379-f732-ce70-86278c4558f7": replyJSON("true"),
		"GET /v1/acl/policy/name/web":                                replyJSON(webPolicy),
		"GET /v1/acl/policy/name/empty":                              replyJSON("null"),
	})
	code, out, errOut := runCairn("acl", "policy", "delete", "-id=165d4317-e379-f732-ce70-86278c4558f7")
	require.Equal(t, 0, code, errOut)
	require.Equal(t, "Policy \"165d4317-e379-f732-ce70-86278c4558f7\" deleted successfully\n", out)
	require.Len(t, a.seen(), 1)

	code, out, errOut = runCairn("acl", "policy", "delete", "-name=web")
	require.Equal(t, 0, code, errOut)
	require.Equal(t, "Policy \"165d4317-e379-f732-ce70-86278c4558f7\" deleted successfully\n", out)
	reqs := a.seen()
	require.Len(t, reqs, 3)
	require.Equal(t, "/v1/acl/policy/name/web", reqs[1].Path)
	require.Equal(t, http.MethodDelete, reqs[2].Method)

	requireFailure(t, "Error determining policy ID: Unexpected response code: 404 (no route)\n", "acl", "policy", "delete", "-name=gone")
	requireFailure(t, "Error determining policy ID: No such policy with name empty\n", "acl", "policy", "delete", "-name=empty")
	requireUsageError(t, "Must specify either the -id or -name parameters", "acl", "policy", "delete")
	require.Len(t, a.seen(), 5)
}
