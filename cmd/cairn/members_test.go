package main

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"
)

// threeMembers is /v1/agent/members with two servers and a failed client,
// out of order.
const threeMembers = `[
 {"Name":"s2","Addr":"10.0.0.2","Port":8301,"Tags":{"role":"consul","dc":"dc1","build":"0.1.0:abc","vsn":"2"},"Status":1},
 {"Name":"c1","Addr":"10.0.0.9","Port":8301,"Tags":{"role":"node","dc":"dc1","build":"0.1.0:abc","vsn":"2"},"Status":4},
 {"Name":"s1","Addr":"10.0.0.1","Port":8301,"Tags":{"role":"consul","dc":"dc1","build":"0.1.0:abc","vsn":"2"},"Status":1}
]`

// TestMembersPrintsConsulsTable checks columns, order (servers first, by
// name), status names, build cut at ":" and the partition and segment
// columns.
func TestMembersPrintsConsulsTable(t *testing.T) {
	a := newFakeAgent(t, map[string]http.HandlerFunc{"GET /v1/agent/members": replyJSON(threeMembers)})
	code, out, errOut := runCairn("members")
	require.Equal(t, 0, code, errOut)
	require.Equal(t, ""+
		"Node  Address        Status  Type    Build  Protocol  DC   Partition  Segment\n"+
		"s1    10.0.0.1:8301  alive   server  0.1.0  2         dc1  default    <all>\n"+
		"s2    10.0.0.2:8301  alive   server  0.1.0  2         dc1  default    <all>\n"+
		"c1    10.0.0.9:8301  failed  client  0.1.0  2         dc1  default    <default>\n", out)
	require.False(t, a.last(t).Query.Has("wan"))
}

// TestMembersFiltersByStatusAndExitsTwoOnNoMatch checks -status.
func TestMembersFiltersByStatusAndExitsTwoOnNoMatch(t *testing.T) {
	newFakeAgent(t, map[string]http.HandlerFunc{"GET /v1/agent/members": replyJSON(threeMembers)})
	code, out, _ := runCairn("members", "-status=failed")
	require.Equal(t, 0, code)
	require.Contains(t, out, "c1 ")
	require.NotContains(t, out, "s1 ")

	code, out, errOut := runCairn("members", "-status=left")
	require.Equal(t, 2, code)
	require.Empty(t, out)
	require.Empty(t, errOut)

	code, _, errOut = runCairn("members", "-status=(")
	require.Equal(t, 1, code)
	require.Contains(t, errOut, "Failed to compile status regexp")
}

// TestMembersDetailedAndWAN checks -detailed's tag column and -wan's
// query parameter.
func TestMembersDetailedAndWAN(t *testing.T) {
	a := newFakeAgent(t, map[string]http.HandlerFunc{"GET /v1/agent/members": replyJSON(
		`[{"Name":"s1.dc1","Addr":"10.0.0.1","Port":8302,"Tags":{"role":"consul","dc":"dc1","vsn":"2"},"Status":1}]`)})
	code, out, _ := runCairn("members", "-wan", "-detailed")
	require.Equal(t, 0, code)
	require.Equal(t, ""+
		"Node    Address        Status  Tags\n"+
		"s1.dc1  10.0.0.1:8302  alive   ap=default,dc=dc1,role=consul,segment=<all>,vsn=2\n", out)
	require.Equal(t, "1", a.last(t).Query.Get("wan"))

	_, out, _ = runCairn("members", "-wan")
	require.Contains(t, out, "s1.dc1  10.0.0.1:8302  alive   server  < 0.3  2         dc1")
}

// TestMembersUnknownRoleAndStatus checks the fallbacks for a member that
// is neither server nor client and an unknown status number.
func TestMembersUnknownRoleAndStatus(t *testing.T) {
	newFakeAgent(t, map[string]http.HandlerFunc{"GET /v1/agent/members": replyJSON(
		`[{"Name":"x","Addr":"::1","Port":8301,"Tags":{},"Status":9}]`)})
	code, out, _ := runCairn("members")
	require.Equal(t, 0, code)
	require.Equal(t, ""+
		"Node  Address     Status                  Type     Build  Protocol  DC  Partition  Segment\n"+
		"x     [::1]:8301  unknown MemberStatus 9  unknown                                  \n", out)
}

// TestMembersReportsAPIErrors checks the error line.
func TestMembersReportsAPIErrors(t *testing.T) {
	newFakeAgent(t, map[string]http.HandlerFunc{"GET /v1/agent/members": reply(403, "Permission denied")})
	code, out, errOut := runCairn("members")
	require.Equal(t, 1, code)
	require.Empty(t, out)
	require.Equal(t, "Error retrieving members: Unexpected response code: 403 (Permission denied)\n", errOut)

	code, _, errOut = runCairn("members", "extra")
	require.Equal(t, 1, code)
	require.Contains(t, errOut, "Usage: cairn members")
}

// TestJoinCountsTheAddressesReached checks join's per-address errors, its
// summary line and -wan.
func TestJoinCountsTheAddressesReached(t *testing.T) {
	a := newFakeAgent(t, map[string]http.HandlerFunc{
		"PUT /v1/agent/join/10.0.0.1:8301": replyJSON(""),
		"PUT /v1/agent/join/10.0.0.2":      reply(500, "dial failed"),
	})
	code, out, errOut := runCairn("join", "10.0.0.1:8301", "10.0.0.2")
	require.Equal(t, 0, code)
	require.Equal(t, "Successfully joined cluster by contacting 1 nodes.\n", out)
	require.Equal(t, "Error joining address '10.0.0.2': Unexpected response code: 500 (dial failed)\n", errOut)

	code, _, _ = runCairn("join", "-wan", "10.0.0.1:8301")
	require.Equal(t, 0, code)
	require.Equal(t, "1", a.last(t).Query.Get("wan"))

	code, out, errOut = runCairn("join", "10.0.0.2")
	require.Equal(t, 1, code)
	require.Empty(t, out)
	require.Contains(t, errOut, "Failed to join any nodes.\n")

	code, _, errOut = runCairn("join")
	require.Equal(t, 1, code)
	require.Contains(t, errOut, "At least one address to join must be specified.")
}

// TestLeaveForceLeaveAndReload checks the three agent-control commands.
func TestLeaveForceLeaveAndReload(t *testing.T) {
	a := newFakeAgent(t, map[string]http.HandlerFunc{
		"PUT /v1/agent/leave":          replyJSON(""),
		"PUT /v1/agent/force-leave/n3": replyJSON(""),
		"PUT /v1/agent/reload":         replyJSON(""),
	})
	code, out, _ := runCairn("leave")
	require.Equal(t, 0, code)
	require.Equal(t, "Graceful leave complete\n", out)

	code, out, _ = runCairn("force-leave", "-prune", "n3")
	require.Equal(t, 0, code)
	require.Empty(t, out)
	require.Equal(t, "PUT", a.last(t).Method)
	require.Equal(t, "1", a.last(t).Query.Get("prune"))

	code, _, errOut := runCairn("force-leave")
	require.Equal(t, 1, code)
	require.Contains(t, errOut, "A single node name must be specified to force leave.")

	code, out, _ = runCairn("reload")
	require.Equal(t, 0, code)
	require.Equal(t, "Configuration reload triggered\n", out)

	code, _, errOut = runCairn("force-leave", "n9")
	require.Equal(t, 1, code)
	require.Equal(t, "Error force leaving: Unexpected response code: 404 (no route)\n", errOut)
}

// TestReloadReportsADenial checks reload's error line.
func TestReloadReportsADenial(t *testing.T) {
	newFakeAgent(t, map[string]http.HandlerFunc{"PUT /v1/agent/reload": reply(403, "Permission denied\n")})
	code, _, errOut := runCairn("reload")
	require.Equal(t, 1, code)
	require.Equal(t, "Error reloading: Unexpected response code: 403 (Permission denied)\n", errOut)

	code, _, errOut = runCairn("leave")
	require.Equal(t, 1, code)
	require.Equal(t, "Error leaving: Unexpected response code: 404 (no route)\n", errOut)
}
