package main

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"
)

// webToken is a token linked to two policies, with an expiration time.
const webToken = `{"AccessorID":"6a1253d2-1785-24fd-91c2-f8e78c745511",` +
	`"SecretID":"45a3bd52-07c7-47a4-52fd-0745e0cfe967","Description":"web service",` +
	`"Policies":[{"ID":"165d4317-e379-f732-ce70-86278c4558f7","Name":"web"},{"ID":"7b3a9b9c-2f6e-4b63-9a43-2a0f1c4d7e11","Name":"dns"}],` +
	`"Local":true,"ExpirationTime":"2026-11-24T20:05:54Z","CreateTime":"2026-11-24T19:05:54Z","CreateIndex":20,"ModifyIndex":21}`

// webTokenPretty is webToken in Consul's layout.
const webTokenPretty = "" +
	"AccessorID:       6a1253d2-1785-24fd-91c2-f8e78c745511\n" +
	"SecretID:         45a3bd52-07c7-47a4-52fd-0745e0cfe967\n" +
	"Description:      web service\n" +
	"Local:            true\n" +
	"Create Time:      2026-11-24 19:05:54 +0000 UTC\n" +
	"Expiration Time:  2026-11-24 20:05:54 +0000 UTC\n" +
	"Policies:\n" +
	"   165d4317-e379-f732-ce70-86278c4558f7 - web\n" +
	"   7b3a9b9c-2f6e-4b63-9a43-2a0f1c4d7e11 - dns\n" +
	"\n"

// decodeBody decodes a recorded request body into a generic map.
func decodeBody(t *testing.T, body string) map[string]any {
	t.Helper()
	var m map[string]any
	require.NoError(t, json.Unmarshal([]byte(body), &m), body)
	return m
}

// TestTokenCreateSendsPoliciesTTLAndLocal checks the PUT body (links by
// name then by ID, the TTL in nanoseconds as api.ACLToken sends it) and
// the printed token.
func TestTokenCreateSendsPoliciesTTLAndLocal(t *testing.T) {
	a := newFakeAgent(t, map[string]http.HandlerFunc{"PUT /v1/acl/token": replyJSON(webToken)})
	code, out, errOut := runCairn("acl", "token", "create", "-description=web service",
		"-policy-id=7b3a9b9c-2f6e-4b63-9a43-2a0f1c4d7e11", "-policy-name=web", "-local", "-expires-ttl=1h", "-token=mgmt")
	require.Equal(t, 0, code, errOut)
	require.Equal(t, webTokenPretty, out)
	req := a.last(t)
	require.Equal(t, "mgmt", req.Header.Get("X-Consul-Token"))
	require.Equal(t, map[string]any{
		"Description":   "web service",
		"Policies":      []any{map[string]any{"Name": "web"}, map[string]any{"ID": "7b3a9b9c-2f6e-4b63-9a43-2a0f1c4d7e11"}},
		"Local":         true,
		"ExpirationTTL": float64(3600e9),
	}, decodeBody(t, req.Body))
}

// TestTokenCreateWithoutFlagsSendsAMinimalBody checks that nothing the
// operator did not ask for is sent, and -format=json.
func TestTokenCreateWithoutFlagsSendsAMinimalBody(t *testing.T) {
	a := newFakeAgent(t, map[string]http.HandlerFunc{"PUT /v1/acl/token": replyJSON(`{"AccessorID":"x","SecretID":"y"}`)})
	code, out, errOut := runCairn("acl", "token", "create", "-format=json")
	require.Equal(t, 0, code, errOut)
	require.Equal(t, "{\n    \"AccessorID\": \"x\",\n    \"SecretID\": \"y\"\n}\n", out)
	require.JSONEq(t, `{"Description":"","Local":false}`, a.last(t).Body)

	requireUsageError(t, "-expires-ttl must not be negative", "acl", "token", "create", "-expires-ttl=-1s")
	require.Len(t, a.seen(), 1)
}

// TestTokenCreateRefusedShowsTheServersReason checks a 403 on create.
func TestTokenCreateRefusedShowsTheServersReason(t *testing.T) {
	newFakeAgent(t, map[string]http.HandlerFunc{
		"PUT /v1/acl/token": reply(http.StatusForbidden, "Permission denied: token with AccessorID 'x' lacks permission 'acl:write'\n"),
	})
	requireFailure(t, "Failed to create new token: Unexpected response code: 403 (Permission denied: token with AccessorID 'x' lacks permission 'acl:write')\n",
		"acl", "token", "create", "-policy-name=web")
}

// TestTokenListPrintsEntriesWithoutSecrets checks the list layout: no
// SecretID, an empty line between entries, -meta's indexes.
func TestTokenListPrintsEntriesWithoutSecrets(t *testing.T) {
	a := newFakeAgent(t, map[string]http.HandlerFunc{"GET /v1/acl/tokens": replyJSON("[" + webToken + "," + bootstrapToken + "]")})
	code, out, errOut := runCairn("acl", "token", "list", "-meta")
	require.Equal(t, 0, code, errOut)
	require.Equal(t, ""+
		"AccessorID:       6a1253d2-1785-24fd-91c2-f8e78c745511\n"+
		"Description:      web service\n"+
		"Local:            true\n"+
		"Create Time:      2026-11-24 19:05:54 +0000 UTC\n"+
		"Expiration Time:  2026-11-24 20:05:54 +0000 UTC\n"+
		"Create Index:     20\n"+
		"Modify Index:     21\n"+
		"Policies:\n"+
		"   165d4317-e379-f732-ce70-86278c4558f7 - web\n"+
		"   7b3a9b9c-2f6e-4b63-9a43-2a0f1c4d7e11 - dns\n"+
		"\n"+
		"AccessorID:       a1b2c3d4-0000-0000-0000-000000000001\n"+
		"Description:      Bootstrap Token (Global Management)\n"+
		"Local:            false\n"+
		"Create Time:      2026-11-24 19:05:54.5 +0000 UTC\n"+
		"Create Index:     12\n"+
		"Modify Index:     12\n"+
		"Policies:\n"+
		"   00000000-0000-0000-0000-000000000001 - global-management\n"+
		"\n", out)
	require.NotContains(t, out, "SecretID")
	require.Equal(t, http.MethodGet, a.last(t).Method)

	code, out, _ = runCairn("acl", "token", "list", "-format=json")
	require.Equal(t, 0, code)
	require.Contains(t, out, "\"SecretID\": \"45a3bd52-07c7-47a4-52fd-0745e0cfe967\"", "json is the server's answer as is")
}

// TestTokenReadByIDOrSelf checks both paths, the layout, and the usage
// errors, which send nothing.
func TestTokenReadByIDOrSelf(t *testing.T) {
	a := newFakeAgent(t, map[string]http.HandlerFunc{
		"GET /v1/acl/token/6a1253d2-1785-24fd-91c2-f8e78c745511": replyJSON(webToken),
		"GET /v1/acl/token/self":                                 replyJSON(bootstrapToken),
	})
	code, out, errOut := runCairn("acl", "token", "read", "-id=6a1253d2-1785-24fd-91c2-f8e78c745511")
	require.Equal(t, 0, code, errOut)
	require.Equal(t, webTokenPretty, out)

	code, out, errOut = runCairn("acl", "token", "read", "-self", "-token=5e1f2a3b-0000-0000-0000-00000000beef")
	require.Equal(t, 0, code, errOut)
	require.Equal(t, bootstrapPretty, out)
	require.Equal(t, "5e1f2a3b-0000-0000-0000-00000000beef", a.last(t).Header.Get("X-Consul-Token"))

	n := len(a.seen())
	requireUsageError(t, "Must specify the -id parameter", "acl", "token", "read")
	requireUsageError(t, "Usage: cairn acl token read", "acl", "token", "read")
	requireUsageError(t, "Cannot give both -id and -self", "acl", "token", "read", "-id=x", "-self")
	require.Len(t, a.seen(), n)
}

// TestTokenReadMissingShowsOneLine checks a 404 on read.
func TestTokenReadMissingShowsOneLine(t *testing.T) {
	newFakeAgent(t, map[string]http.HandlerFunc{"GET /v1/acl/token/99999999-0000-0000-0000-000000000000": reply(http.StatusNotFound, "ACL not found\n")})
	requireFailure(t, "Error reading token \"99999999-0000-0000-0000-000000000000\": Unexpected response code: 404 (ACL not found)\n",
		"acl", "token", "read", "-id=99999999-0000-0000-0000-000000000000")
}

// TestTokenUpdateKeepsWhatWasNotGiven checks the read-modify-write: the
// PUT carries the current fields, only -description changed, and no
// SecretID.
func TestTokenUpdateKeepsWhatWasNotGiven(t *testing.T) {
	path := "/v1/acl/token/6a1253d2-1785-24fd-91c2-f8e78c745511"
	a := newFakeAgent(t, map[string]http.HandlerFunc{"GET " + path: replyJSON(webToken), "PUT " + path: replyJSON(webToken)})
	code, out, errOut := runCairn("acl", "token", "update", "-id=6a1253d2-1785-24fd-91c2-f8e78c745511", "-description=renamed")
	require.Equal(t, 0, code, errOut)
	require.Equal(t, "Token updated successfully.\n"+webTokenPretty, out)
	reqs := a.seen()
	require.Len(t, reqs, 2)
	require.Equal(t, http.MethodGet, reqs[0].Method)
	require.Equal(t, http.MethodPut, reqs[1].Method)
	require.JSONEq(t, `{"AccessorID":"6a1253d2-1785-24fd-91c2-f8e78c745511","Description":"renamed","Local":true,
		"Policies":[{"ID":"165d4317-e379-f732-ce70-86278c4558f7","Name":"web"},{"ID":"7b3a9b9c-2f6e-4b63-9a43-2a0f1c4d7e11","Name":"dns"}]}`, reqs[1].Body)
}

// TestTokenUpdatePoliciesReplaceOrMerge checks that given policies
// replace the token's, and with -merge-policies join them, skipping ones
// already linked.
func TestTokenUpdatePoliciesReplaceOrMerge(t *testing.T) {
	path := "/v1/acl/token/6a1253d2-1785-24fd-91c2-f8e78c745511"
	a := newFakeAgent(t, map[string]http.HandlerFunc{"GET " + path: replyJSON(webToken), "PUT " + path: replyJSON(webToken)})
	code, _, errOut := runCairn("acl", "token", "update", "-id=6a1253d2-1785-24fd-91c2-f8e78c745511", "-policy-name=ops")
	require.Equal(t, 0, code, errOut)
	body := decodeBody(t, a.last(t).Body)
	require.Equal(t, "web service", body["Description"])
	require.Equal(t, []any{map[string]any{"Name": "ops"}}, body["Policies"])

	code, _, errOut = runCairn("acl", "token", "update", "-id=6a1253d2-1785-24fd-91c2-f8e78c745511", "-merge-policies",
		"-policy-name=web", "-policy-name=ops", "-policy-id=7b3a9b9c-2f6e-4b63-9a43-2a0f1c4d7e11", "-description=")
	require.Equal(t, 0, code, errOut)
	body = decodeBody(t, a.last(t).Body)
	require.Equal(t, "", body["Description"])
	require.Equal(t, []any{
		map[string]any{"ID": "165d4317-e379-f732-ce70-86278c4558f7", "Name": "web"},
		map[string]any{"ID": "7b3a9b9c-2f6e-4b63-9a43-2a0f1c4d7e11", "Name": "dns"},
		map[string]any{"Name": "ops"},
	}, body["Policies"])
}

// TestTokenUpdateErrors checks the missing -id and a token that cannot
// be read, which stops before any PUT.
func TestTokenUpdateErrors(t *testing.T) {
	a := newFakeAgent(t, map[string]http.HandlerFunc{"GET /v1/acl/token/88888888-0000-0000-0000-000000000000": reply(http.StatusForbidden, "Permission denied")})
	requireUsageError(t, "Cannot update a token without specifying the -id parameter", "acl", "token", "update", "-description=x")
	require.Empty(t, a.seen())

	requireFailure(t, "Failed to update token 88888888-0000-0000-0000-000000000000: Unexpected response code: 403 (Permission denied)\n",
		"acl", "token", "update", "-id=88888888-0000-0000-0000-000000000000", "-description=x")
	require.Len(t, a.seen(), 1)
}

// TestTokenDeleteSendsDeleteAndConfirms checks the DELETE of the token a
// short -id names, the success line with the full ID, the missing -id
// and a refused delete.
func TestTokenDeleteSendsDeleteAndConfirms(t *testing.T) {
	a := newFakeAgent(t, map[string]http.HandlerFunc{
		"GET /v1/acl/tokens": replyJSON("[" + webToken + "," + bootstrapToken + "]"),
		"DELETE /v1/acl/token/6a1253d2-1785-24fd-91c2-f8e78c745511": replyJSON("true"),
		"DELETE /v1/acl/token/77777777-0000-0000-0000-000000000000": reply(http.StatusForbidden, "Permission denied"),
	})
	code, out, errOut := runCairn("acl", "token", "delete", "-id=6a1253d2")
	require.Equal(t, 0, code, errOut)
	require.Equal(t, "Token \"6a1253d2-1785-24fd-91c2-f8e78c745511\" deleted successfully\n", out)
	require.Equal(t, http.MethodDelete, a.last(t).Method)

	requireUsageError(t, "Must specify the -id parameter", "acl", "token", "delete")
	requireFailure(t, "Error deleting token \"77777777-0000-0000-0000-000000000000\": Unexpected response code: 403 (Permission denied)\n",
		"acl", "token", "delete", "-id=77777777-0000-0000-0000-000000000000")
}
