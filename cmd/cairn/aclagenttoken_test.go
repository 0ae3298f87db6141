package main

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestACLSetAgentTokenPutsTheTokenUnderTheAPIName checks the request each
// TYPE sends and the success line.
func TestACLSetAgentTokenPutsTheTokenUnderTheAPIName(t *testing.T) {
	for kind, path := range map[string]string{
		"agent":       "/v1/agent/token/agent",
		"default":     "/v1/agent/token/default",
		"recovery":    "/v1/agent/token/agent_recovery",
		"replication": "/v1/agent/token/replication",
	} {
		a := newFakeAgent(t, map[string]http.HandlerFunc{"PUT " + path: reply(http.StatusOK, "")})
		code, out, errOut := runCairn("acl", "set-agent-token", "-token", "mgmt-secret", kind, "agent-secret")
		require.Equal(t, 0, code, errOut)
		require.Equal(t, "ACL token \""+kind+"\" set successfully\n", out)
		req := a.last(t)
		require.Equal(t, http.MethodPut, req.Method)
		require.JSONEq(t, `{"Token":"agent-secret"}`, req.Body)
		require.Equal(t, "mgmt-secret", req.Header.Get("X-Consul-Token"))
	}
}

// TestACLSetAgentTokenRefusesBadUsageBeforeAnyRequest checks the usage
// errors: no arguments, an unknown type, an empty token.
func TestACLSetAgentTokenRefusesBadUsageBeforeAnyRequest(t *testing.T) {
	a := newFakeAgent(t, nil)
	requireUsageError(t, "Missing TYPE and TOKEN arguments", "acl", "set-agent-token")
	requireUsageError(t, "Missing TYPE and TOKEN arguments", "acl", "set-agent-token", "agent")
	requireUsageError(t, `Unknown token type "bogus"`, "acl", "set-agent-token", "bogus", "x")
	requireUsageError(t, "TOKEN must not be empty", "acl", "set-agent-token", "agent", "")
	require.Empty(t, a.seen())
}

// TestACLSetAgentTokenFailureHidesBothTokens checks that neither the
// caller's token nor the one being set is printed when the agent echoes
// them in its refusal.
func TestACLSetAgentTokenFailureHidesBothTokens(t *testing.T) {
	newFakeAgent(t, map[string]http.HandlerFunc{
		"PUT /v1/agent/token/agent": reply(http.StatusForbidden, "Permission denied for mgmt-secret setting agent-secret"),
	})
	requireFailure(t, "Failed setting token \"agent\": Unexpected response code: 403 (Permission denied for <hidden> setting <hidden>)\n",
		"acl", "set-agent-token", "-token", "mgmt-secret", "agent", "agent-secret")
}
