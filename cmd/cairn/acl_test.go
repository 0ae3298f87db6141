package main

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"
)

// bootstrapToken is the management token as PUT /v1/acl/bootstrap
// answers it.
const bootstrapToken = `{"AccessorID":"a1b2c3d4-0000-0000-0000-000000000001",` +
	`"SecretID":"5e1f2a3b-0000-0000-0000-00000000beef","Description":"Bootstrap Token (Global Management)",` +
	`"Policies":[{"ID":"00000000-0000-0000-0000-000000000001","Name":"global-management"}],` +
	`"Local":false,"CreateTime":"2026-11-24T19:05:54.5Z","CreateIndex":12,"ModifyIndex":12}`

// bootstrapPretty is bootstrapToken in Consul's layout.
const bootstrapPretty = "" +
	"AccessorID:       a1b2c3d4-0000-0000-0000-000000000001\n" +
	"SecretID:         5e1f2a3b-0000-0000-0000-00000000beef\n" +
	"Description:      Bootstrap Token (Global Management)\n" +
	"Local:            false\n" +
	"Create Time:      2026-11-24 19:05:54.5 +0000 UTC\n" +
	"Policies:\n" +
	"   00000000-0000-0000-0000-000000000001 - global-management\n" +
	"\n"

// TestACLBootstrapPrintsTheManagementToken checks the request and the
// token's layout, SecretID included.
func TestACLBootstrapPrintsTheManagementToken(t *testing.T) {
	a := newFakeAgent(t, map[string]http.HandlerFunc{"PUT /v1/acl/bootstrap": replyJSON(bootstrapToken)})
	code, out, errOut := runCairn("acl", "bootstrap")
	require.Equal(t, 0, code, errOut)
	require.Equal(t, bootstrapPretty, out)
	req := a.last(t)
	require.Equal(t, http.MethodPut, req.Method)
	require.Equal(t, "/v1/acl/bootstrap", req.Path)
	require.Empty(t, req.Body)
	require.Empty(t, req.Header.Get("X-Consul-Token"))
}

// TestACLBootstrapRefusedPrintsTheReasonOnOneLineAndTheResetIndex checks
// the second bootstrap: exit 1, the server's reason on one line, then
// which number to write into acl-bootstrap-reset.
func TestACLBootstrapRefusedPrintsTheReasonOnOneLineAndTheResetIndex(t *testing.T) {
	newFakeAgent(t, map[string]http.HandlerFunc{
		"PUT /v1/acl/bootstrap": reply(http.StatusForbidden, "Permission denied:\n ACL bootstrap no longer allowed (reset index: 13)\n"),
	})
	requireFailure(t, ""+
		"Failed ACL bootstrapping: Unexpected response code: 403 (Permission denied: ACL bootstrap no longer allowed (reset index: 13))\n"+
		"To bootstrap again, write 13 into acl-bootstrap-reset in the leader's data_dir.\n", "acl", "bootstrap")
}

// TestACLBootstrapJSONPrintsTheServersFields checks -format=json keeps
// every field the server sent, indented.
func TestACLBootstrapJSONPrintsTheServersFields(t *testing.T) {
	newFakeAgent(t, map[string]http.HandlerFunc{"PUT /v1/acl/bootstrap": replyJSON(`{"AccessorID":"a","SecretID":"s","Extra":[1]}`)})
	code, out, errOut := runCairn("acl", "bootstrap", "-format=json")
	require.Equal(t, 0, code, errOut)
	require.Equal(t, "{\n    \"AccessorID\": \"a\",\n    \"SecretID\": \"s\",\n    \"Extra\": [\n        1\n    ]\n}\n", out)
}

// TestACLUnknownFormatFailsBeforeAnyRequest checks -format's check.
func TestACLUnknownFormatFailsBeforeAnyRequest(t *testing.T) {
	a := newFakeAgent(t, nil)
	requireFailure(t, "Unknown format: yaml\n", "acl", "token", "list", "-format=yaml")
	require.Empty(t, a.seen())
}

// TestACLErrorsNeverPrintTheRequestsToken checks that a server echoing
// the caller's secret in an error body does not get it printed.
func TestACLErrorsNeverPrintTheRequestsToken(t *testing.T) {
	newFakeAgent(t, map[string]http.HandlerFunc{
		"GET /v1/acl/token/self": reply(http.StatusForbidden, "ACL not found: token 5e1f2a3b-secret is unknown"),
	})
	t.Setenv("CAIRN_HTTP_TOKEN", "5e1f2a3b-secret")
	requireFailure(t, "Error reading token: Unexpected response code: 403 (ACL not found: token <hidden> is unknown)\n",
		"acl", "token", "read", "-self")
}

// TestACLMalformedAnswerFails checks a 200 whose body is not a token.
func TestACLMalformedAnswerFails(t *testing.T) {
	newFakeAgent(t, map[string]http.HandlerFunc{"PUT /v1/acl/bootstrap": replyJSON(`[1,2`)})
	requireUsageError(t, "Failed ACL bootstrapping: malformed response from agent", "acl", "bootstrap")
	requireUsageError(t, "Failed ACL bootstrapping: malformed response from agent", "acl", "bootstrap", "-format=json")
}

// TestACLGroupsDispatch checks `cairn acl`, `acl policy` and `acl token`
// without a subcommand list theirs, and that an unreachable agent is
// reported with its address.
func TestACLGroupsDispatch(t *testing.T) {
	requireUsageError(t, "bootstrap", "acl")
	for _, group := range []string{"policy", "token"} {
		for _, sub := range []string{"create", "list", "read", "update", "delete"} {
			requireUsageError(t, sub, "acl", group)
		}
	}
	clearClientEnv(t)
	requireUsageError(t, "Error connecting to cairn agent at 127.0.0.1:1", "acl", "policy", "list", "-http-addr=127.0.0.1:1")
}

// TestACLListsReportFailuresByName checks the error lines of both lists.
func TestACLListsReportFailuresByName(t *testing.T) {
	newFakeAgent(t, map[string]http.HandlerFunc{
		"GET /v1/acl/tokens":   reply(http.StatusForbidden, "Permission denied"),
		"GET /v1/acl/policies": reply(http.StatusInternalServerError, "No cluster leader"),
	})
	requireFailure(t, "Failed to retrieve the token list: Unexpected response code: 403 (Permission denied)\n", "acl", "token", "list")
	requireFailure(t, "Failed to retrieve the policy list: Unexpected response code: 500 (No cluster leader)\n", "acl", "policy", "list")
}

// TestACLShortIDsAreCompleted checks that -id takes what Consul's CLI
// takes: a prefix of exactly one ID (looked up in the list), the
// built-in aliases (no lookup), and nothing ambiguous or unknown.
func TestACLShortIDsAreCompleted(t *testing.T) {
	a := newFakeAgent(t, map[string]http.HandlerFunc{
		"GET /v1/acl/tokens":   replyJSON(`[{"AccessorID":"6a1253d2-1785-24fd-91c2-f8e78c745511"},{"AccessorID":"6a99aaaa-0000-0000-0000-000000000000"}]`),
		"GET /v1/acl/policies": replyJSON(`[{"ID":"165d4317-e379-f732-ce70-86278c4558f7","Name":"web"}]`),
		"GET /v1/acl/token/6a1253d2-1785-24fd-91c2-f8e78c745511":  replyJSON(webToken),
		"GET /v1/acl/token/00000000-0000-0000-0000-000000000002":  replyJSON(`{"AccessorID":"00000000-0000-0000-0000-000000000002"}`),
		"GET /v1/acl/policy/165d4317-e379-f732-ce70-86278c4558f7": replyJSON(webPolicy),
		"GET /v1/acl/policy/00000000-0000-0000-0000-000000000001": replyJSON(`{"ID":"00000000-0000-0000-0000-000000000001"}`),
	})
	runCairnOK(t, "acl", "token", "read", "-id=6A1253")
	require.Equal(t, "/v1/acl/token/6a1253d2-1785-24fd-91c2-f8e78c745511", a.last(t).Path)
	runCairnOK(t, "acl", "policy", "read", "-id=165d")
	require.Equal(t, "/v1/acl/policy/165d4317-e379-f732-ce70-86278c4558f7", a.last(t).Path)

	n := len(a.seen())
	runCairnOK(t, "acl", "token", "read", "-id=anonymous")
	runCairnOK(t, "acl", "policy", "read", "-id=global-management")
	require.Len(t, a.seen(), n+2, "aliases need no lookup")

	requireFailure(t, "Error determining token ID: Partial token ID is not unique\n", "acl", "token", "read", "-id=6a")
	requireFailure(t, "Error determining token ID: No such token ID with prefix: ff\n", "acl", "token", "update", "-id=ff")
	requireFailure(t, "Error determining policy ID: No such policy ID with prefix: ff\n", "acl", "policy", "delete", "-id=ff")
	requireFailure(t, "Error determining policy ID: No such policy ID with prefix: ff\n", "acl", "policy", "update", "-id=ff")
}

// requireFailure runs cairn and checks exit code 1, nothing on stdout,
// and exactly wantErr on stderr.
func requireFailure(t *testing.T, wantErr string, args ...string) {
	t.Helper()
	require.Equal(t, wantErr, runFailing(t, args...))
}

// requireUsageError runs cairn and checks exit code 1, nothing on
// stdout, and that stderr names the problem.
func requireUsageError(t *testing.T, problem string, args ...string) {
	t.Helper()
	require.Contains(t, runFailing(t, args...), problem)
}

// runFailing runs cairn, checks exit code 1 and nothing on stdout, and
// returns stderr.
func runFailing(t *testing.T, args ...string) string {
	t.Helper()
	code, out, errOut := runCairn(args...)
	require.Equal(t, 1, code, "cairn %v", args)
	require.Empty(t, out)
	return errOut
}
