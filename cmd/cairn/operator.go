package main

import (
	"fmt"
	"io"
	"net/http"
	"net/url"
)

// operatorCommands lists the subcommands of `cairn operator`.
func operatorCommands() []command {
	return []command{
		{"raft", "Inspect and change the Raft peer set", runOperatorRaft},
		{"autopilot", "Inspect and change Autopilot's settings and state", runOperatorAutopilot},
	}
}

// raftCommands lists the subcommands of `cairn operator raft`.
func raftCommands() []command {
	return []command{
		{"list-peers", "Display the current Raft peer configuration", runRaftListPeers},
		{"remove-peer", "Remove a server from the Raft configuration", runRaftRemovePeer},
		{"transfer-leader", "Hand Raft leadership to another server", runRaftTransferLeader},
	}
}

// runOperator dispatches `cairn operator <subcommand>`.
func runOperator(args []string, stdout, stderr io.Writer) int {
	return runGroup("operator", operatorCommands(), args, stdout, stderr)
}

// runOperatorRaft dispatches `cairn operator raft <subcommand>`.
func runOperatorRaft(args []string, stdout, stderr io.Writer) int {
	return runGroup("operator raft", raftCommands(), args, stdout, stderr)
}

// raftServer is one entry of /v1/operator/raft/configuration.
type raftServer struct {
	ID              string
	Node            string
	Address         string
	Leader          bool
	ProtocolVersion string
	Voter           bool
}

const raftListPeersUsage = `
Usage: cairn operator raft list-peers [options]

  Displays the servers of the current Raft configuration, which of them
  leads, and which vote.
`

// runRaftListPeers prints the Raft configuration table.
func runRaftListPeers(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("operator raft list-peers", raftListPeersUsage, stderr)
	hf := addHTTPFlags(fs, true)
	if code, ok := parseArgs(fs, args, 0, stderr); !ok {
		return code
	}
	var reply struct{ Servers []raftServer }
	if err := hf.client().getJSON("/v1/operator/raft/configuration", nil, &reply); err != nil {
		return reportError(stderr, "Error getting peers", fmt.Errorf("Failed to retrieve raft configuration: %w", err))
	}
	rows := [][]string{{"Node", "ID", "Address", "State", "Voter", "RaftProtocol"}}
	for _, s := range reply.Servers {
		state := "follower"
		if s.Leader {
			state = "leader"
		}
		protocol := s.ProtocolVersion
		if protocol == "" {
			protocol = "<=1"
		}
		rows = append(rows, []string{s.Node, s.ID, s.Address, state, fmt.Sprint(s.Voter), protocol})
	}
	fmt.Fprintln(stdout, formatColumns(rows))
	return 0
}

const raftRemovePeerUsage = `
Usage: cairn operator raft remove-peer [options]

  Removes the server with the given -id or -address from the Raft
  configuration, for a server that left without leaving (prefer
  "cairn force-leave" while it still shows in "cairn members").
`

// runRaftRemovePeer removes one server from the Raft configuration.
func runRaftRemovePeer(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("operator raft remove-peer", raftRemovePeerUsage, stderr)
	address := fs.String("address", "", "The address (ip:port) to remove from the Raft configuration")
	id := fs.String("id", "", "The server ID to remove from the Raft configuration")
	hf := addHTTPFlags(fs, true)
	if code, ok := parseArgs(fs, args, 0, stderr); !ok {
		return code
	}
	switch {
	case *address == "" && *id == "":
		return usageError(fs, stderr, "Error removing peer: an address or id is required for the peer to remove")
	case *address != "" && *id != "":
		return usageError(fs, stderr, "Error removing peer: cannot give both an address and id")
	}
	q, what := url.Values{"id": {*id}}, fmt.Sprintf("id %q", *id)
	if *address != "" {
		q, what = url.Values{"address": {*address}}, fmt.Sprintf("address %q", *address)
	}
	if _, err := hf.client().do(http.MethodDelete, "/v1/operator/raft/peer", q, nil); err != nil {
		return reportError(stderr, "Error removing peer", err)
	}
	fmt.Fprintf(stdout, "Removed peer with %s\n", what)
	return 0
}

const raftTransferLeaderUsage = `
Usage: cairn operator raft transfer-leader [options]

  Hands Raft leadership to the server with the given -id, or to another
  voter when -id is not given.
`

// runRaftTransferLeader asks the leader to hand over its leadership.
func runRaftTransferLeader(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("operator raft transfer-leader", raftTransferLeaderUsage, stderr)
	id := fs.String("id", "", "The ID of the server to hand leadership to")
	hf := addHTTPFlags(fs, false)
	if code, ok := parseArgs(fs, args, 0, stderr); !ok {
		return code
	}
	q := url.Values{}
	if *id != "" {
		q.Set("id", *id)
	}
	if _, err := hf.client().do(http.MethodPost, "/v1/operator/raft/transfer-leader", q, nil); err != nil {
		return reportError(stderr, "Error transferring leadership", err)
	}
	fmt.Fprintln(stdout, "Success! Leadership transfer started")
	return 0
}
