package main

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"
)

// raftConfiguration is /v1/operator/raft/configuration for three servers.
const raftConfiguration = `{"Servers":[
 {"ID":"11111111-aaaa","Node":"server1","Address":"10.0.0.1:8300","Leader":true,"ProtocolVersion":"3","Voter":true},
 {"ID":"22222222-bbbb","Node":"server2","Address":"10.0.0.2:8300","Leader":false,"ProtocolVersion":"3","Voter":true},
 {"ID":"33333333-cccc","Node":"server3","Address":"10.0.0.3:8300","Leader":false,"ProtocolVersion":"","Voter":false}
],"Index":12}`

// TestRaftListPeersPrintsTheConfiguration checks the table, its states,
// the voter column and the "<=1" protocol fallback.
func TestRaftListPeersPrintsTheConfiguration(t *testing.T) {
	a := newFakeAgent(t, map[string]http.HandlerFunc{"GET /v1/operator/raft/configuration": replyJSON(raftConfiguration)})
	code, out, errOut := runCairn("operator", "raft", "list-peers", "-stale")
	require.Equal(t, 0, code, errOut)
	require.Equal(t, ""+
		"Node     ID             Address        State     Voter  RaftProtocol\n"+
		"server1  11111111-aaaa  10.0.0.1:8300  leader    true   3\n"+
		"server2  22222222-bbbb  10.0.0.2:8300  follower  true   3\n"+
		"server3  33333333-cccc  10.0.0.3:8300  follower  false  <=1\n", out)
	require.True(t, a.last(t).Query.Has("stale"))
}

// TestRaftListPeersReportsNoLeader checks the error line for a 500.
func TestRaftListPeersReportsNoLeader(t *testing.T) {
	newFakeAgent(t, map[string]http.HandlerFunc{"GET /v1/operator/raft/configuration": reply(500, "No cluster leader")})
	code, out, errOut := runCairn("operator", "raft", "list-peers")
	require.Equal(t, 1, code)
	require.Empty(t, out)
	require.Equal(t, "Error getting peers: Failed to retrieve raft configuration: Unexpected response code: 500 (No cluster leader)\n", errOut)
}

// TestRaftRemovePeerByIDOrAddress checks the DELETE's parameters, the
// output, and the usage errors.
func TestRaftRemovePeerByIDOrAddress(t *testing.T) {
	a := newFakeAgent(t, map[string]http.HandlerFunc{"DELETE /v1/operator/raft/peer": replyJSON("")})
	code, out, _ := runCairn("operator", "raft", "remove-peer", "-id=33333333-cccc", "-datacenter=dc1")
	require.Equal(t, 0, code)
	require.Equal(t, "Removed peer with id \"33333333-cccc\"\n", out)
	req := a.last(t)
	require.Equal(t, "33333333-cccc", req.Query.Get("id"))
	require.Equal(t, "dc1", req.Query.Get("dc"))
	require.False(t, req.Query.Has("address"))

	code, out, _ = runCairn("operator", "raft", "remove-peer", "-address=10.0.0.3:8300")
	require.Equal(t, 0, code)
	require.Equal(t, "Removed peer with address \"10.0.0.3:8300\"\n", out)
	require.Equal(t, "10.0.0.3:8300", a.last(t).Query.Get("address"))

	n := len(a.seen())
	code, _, errOut := runCairn("operator", "raft", "remove-peer")
	require.Equal(t, 1, code)
	require.Contains(t, errOut, "an address or id is required for the peer to remove")
	code, _, errOut = runCairn("operator", "raft", "remove-peer", "-id=a", "-address=b")
	require.Equal(t, 1, code)
	require.Contains(t, errOut, "cannot give both an address and id")
	require.Len(t, a.seen(), n)
}

// TestOperatorGroupsDispatch checks `cairn operator` and `operator raft`
// without a subcommand.
func TestOperatorGroupsDispatch(t *testing.T) {
	code, _, errOut := runCairn("operator")
	require.Equal(t, 1, code)
	require.Contains(t, errOut, "raft")
	code, _, errOut = runCairn("operator", "raft")
	require.Equal(t, 1, code)
	require.Contains(t, errOut, "list-peers")
	require.Contains(t, errOut, "remove-peer")
}
