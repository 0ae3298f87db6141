package main

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"
)

// agentSelfJSON is the part of /v1/agent/self the commands read.
const agentSelfJSON = `{"Config":{"Datacenter":"dc1","NodeName":"n1"},
 "Stats":{"raft":{"state":"Leader","term":"3"},"agent":{"checks":"0","services":"2"},"build":{"prerelease":"","version":"0.1.0"}}}`

// TestInfoPrintsGroupedSortedStats checks Consul's grouped layout.
func TestInfoPrintsGroupedSortedStats(t *testing.T) {
	newFakeAgent(t, map[string]http.HandlerFunc{"GET /v1/agent/self": replyJSON(agentSelfJSON)})
	code, out, errOut := runCairn("info")
	require.Equal(t, 0, code, errOut)
	require.Equal(t, "agent:\n\tchecks = 0\n\tservices = 2\n"+
		"build:\n\tprerelease = \n\tversion = 0.1.0\n"+
		"raft:\n\tstate = Leader\n\tterm = 3\n", out)
}

// TestInfoReportsErrorsAndMissingStats checks the error paths.
func TestInfoReportsErrorsAndMissingStats(t *testing.T) {
	answer := reply(403, "Permission denied")
	newFakeAgent(t, map[string]http.HandlerFunc{"GET /v1/agent/self": func(w http.ResponseWriter, r *http.Request) { answer(w, r) }})
	code, _, errOut := runCairn("info")
	require.Equal(t, 1, code)
	require.Equal(t, "Error querying agent: Unexpected response code: 403 (Permission denied)\n", errOut)

	answer = replyJSON(`{"Config":{}}`)
	code, _, errOut = runCairn("info")
	require.Equal(t, 1, code)
	require.Equal(t, "Agent response did not contain 'Stats' key\n", errOut)

	answer = replyJSON(`{"Stats":[1,2]}`)
	code, _, errOut = runCairn("info")
	require.Equal(t, 1, code)
	require.Contains(t, errOut, "Error querying agent: malformed response from agent")
}

// TestEventFiresWithPayloadAndFilters checks the PUT, its body and
// filters, and the printed ID.
func TestEventFiresWithPayloadAndFilters(t *testing.T) {
	a := newFakeAgent(t, map[string]http.HandlerFunc{"PUT /v1/event/fire/deploy": replyJSON(
		`{"ID":"b54fe110-7af5-cafc-d1fb-afc8ba432b1c","Name":"deploy","Payload":"djI=","LTime":0}`)})
	code, out, errOut := runCairn("event", "-name=deploy", "-service=web", "-tag=v2", "v2")
	require.Equal(t, 0, code, errOut)
	require.Equal(t, "Event ID: b54fe110-7af5-cafc-d1fb-afc8ba432b1c\n", out)
	req := a.last(t)
	require.Equal(t, "v2", req.Body)
	require.Equal(t, "web", req.Query.Get("service"))
	require.Equal(t, "v2", req.Query.Get("tag"))
	require.False(t, req.Query.Has("node"))
}

// TestEventRejectsBadUsage checks the name, filter and argument checks.
func TestEventRejectsBadUsage(t *testing.T) {
	a := newFakeAgent(t, nil)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"event"}, "Event name must be specified"},
		{[]string{"event", "-name=x", "-node=("}, "Failed to compile node filter regexp"},
		{[]string{"event", "-name=x", "-tag=v1"}, "Cannot provide tag filter without service filter."},
		{[]string{"event", "-name=x", "a", "b"}, "Too many command line arguments."},
	} {
		code, _, errOut := runCairn(tc.args...)
		require.Equal(t, 1, code, tc.args)
		require.Contains(t, errOut, tc.want, tc.args)
	}
	require.Empty(t, a.seen())

	code, _, errOut := runCairn("event", "-name=x")
	require.Equal(t, 1, code)
	require.Equal(t, "Error firing event: Unexpected response code: 404 (no route)\n", errOut)
}

// TestMaintEnablesAndDisablesNodeAndService checks the four PUTs.
func TestMaintEnablesAndDisablesNodeAndService(t *testing.T) {
	a := newFakeAgent(t, map[string]http.HandlerFunc{
		"GET /v1/agent/self":                     replyJSON(agentSelfJSON),
		"PUT /v1/agent/maintenance":              replyJSON(""),
		"PUT /v1/agent/service/maintenance/web1": replyJSON(""),
	})
	code, out, _ := runCairn("maint", "-enable", "-reason=kernel upgrade")
	require.Equal(t, 0, code)
	require.Equal(t, "Node maintenance is now enabled\n", out)
	req := a.last(t)
	require.Equal(t, "true", req.Query.Get("enable"))
	require.Equal(t, "kernel upgrade", req.Query.Get("reason"))

	code, out, _ = runCairn("maint", "-disable")
	require.Equal(t, 0, code)
	require.Equal(t, "Node maintenance is now disabled\n", out)
	require.Equal(t, "false", a.last(t).Query.Get("enable"))
	require.False(t, a.last(t).Query.Has("reason"))

	code, out, _ = runCairn("maint", "-enable", "-service=web1")
	require.Equal(t, 0, code)
	require.Equal(t, "Service maintenance is now enabled for \"web1\"\n", out)

	code, out, _ = runCairn("maint", "-disable", "-service=web1")
	require.Equal(t, 0, code)
	require.Equal(t, "Service maintenance is now disabled for \"web1\"\n", out)
	require.Equal(t, "/v1/agent/service/maintenance/web1", a.last(t).Path)

	code, _, errOut := runCairn("maint", "-enable", "-service=nope")
	require.Equal(t, 1, code)
	require.Equal(t, "Error enabling service maintenance: Unexpected response code: 404 (no route)\n", errOut)
}

// TestMaintListsWhatIsInMaintenance checks the listing without flags.
func TestMaintListsWhatIsInMaintenance(t *testing.T) {
	newFakeAgent(t, map[string]http.HandlerFunc{
		"GET /v1/agent/self": replyJSON(agentSelfJSON),
		"GET /v1/agent/checks": replyJSON(`{
			"_service_maintenance:web1":{"CheckID":"_service_maintenance:web1","ServiceID":"web1","Notes":"deploy"},
			"serfHealth":{"CheckID":"serfHealth","Notes":""},
			"_node_maintenance":{"CheckID":"_node_maintenance","Notes":"kernel"}}`),
	})
	code, out, _ := runCairn("maint")
	require.Equal(t, 0, code)
	require.Equal(t, "Node:\n  Name:   n1\n  Reason: kernel\n\nService:\n  ID:     web1\n  Reason: deploy\n\n", out)
}

// TestMaintRejectsConflictingFlags checks Consul's usage rules.
func TestMaintRejectsConflictingFlags(t *testing.T) {
	a := newFakeAgent(t, nil)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"maint", "-enable", "-disable"}, "Only one of -enable or -disable may be provided"},
		{[]string{"maint", "-reason=x"}, "Reason may only be provided with -enable"},
		{[]string{"maint", "-service=web"}, "Service requires either -enable or -disable"},
	} {
		code, _, errOut := runCairn(tc.args...)
		require.Equal(t, 1, code, tc.args)
		require.Contains(t, errOut, tc.want, tc.args)
		require.Contains(t, errOut, "Usage: cairn maint", tc.args)
	}
	require.Empty(t, a.seen())
}
