package runtime

import (
	"cmp"
	"errors"
	"net/http"
	"time"

	"github.com/cairn-sd/cairn/agent/core"
	"github.com/cairn-sd/cairn/raft"
)

// raftServerView is one server of /v1/operator/raft/configuration, in
// Consul's shape.
type raftServerView struct {
	ID              string
	Node            string
	Address         string
	Leader          bool
	ProtocolVersion string
	Voter           bool
}

// operatorRaftConfiguration serves GET /v1/operator/raft/configuration:
// the latest Raft configuration, with each server's node name from the
// gossip pool.
func (a *Agent) operatorRaftConfiguration(w http.ResponseWriter, r *http.Request, _ string) error {
	var st raft.Status
	var leader string
	names := map[string]string{}
	if !a.env.Do(func() {
		st, leader = a.server.Status(), a.server.Leader()
		for _, m := range a.server.Members() {
			names[m.Tags["id"]] = m.Name
		}
	}) {
		return errShuttingDown
	}
	names[a.nodeID] = a.cfg.NodeName
	out := struct {
		Servers []raftServerView
		Index   uint64
	}{Servers: []raftServerView{}, Index: st.ConfigIndex}
	for _, sv := range st.Configuration.Servers {
		out.Servers = append(out.Servers, raftServerView{
			ID: string(sv.ID), Node: names[string(sv.ID)], Address: sv.Address,
			Leader: sv.Address == leader, ProtocolVersion: "3", Voter: sv.Suffrage == raft.Voter,
		})
	}
	writeJSON(w, r, out)
	return nil
}

// operatorRaftPeer serves DELETE /v1/operator/raft/peer?id=|address=.
func (a *Agent) operatorRaftPeer(w http.ResponseWriter, r *http.Request, _ string) error {
	q := r.URL.Query()
	target := cmp.Or(q.Get("id"), q.Get("address"))
	if target == "" {
		return badRequest("Must specify either ?id with the server's ID or ?address with IP:port of peer to remove")
	}
	var id raft.ServerID
	var err error
	if !a.env.Do(func() { id, err = a.server.PeerID(target) }) {
		return errShuttingDown
	}
	if errors.Is(err, core.ErrUnknownPeer) {
		return badRequest("%v", err)
	}
	if err != nil {
		return err
	}
	err, lerr := onLoop(r.Context(), a, func(reply func(error)) { a.server.RemovePeer(id, reply) })
	if lerr != nil {
		return lerr
	}
	if errors.Is(err, core.ErrRemoveLeader) {
		return badRequest("%v", err)
	}
	return err
}

// operatorTransferLeader serves POST /v1/operator/raft/transfer-leader
// (?id= names the new leader; without it any caught-up voter).
func (a *Agent) operatorTransferLeader(w http.ResponseWriter, r *http.Request, _ string) error {
	id := raft.ServerID(r.URL.Query().Get("id"))
	if id != "" {
		var err error
		if !a.env.Do(func() { id, err = a.server.PeerID(string(id)) }) {
			return errShuttingDown
		}
		if err != nil {
			return badRequest("%v", err)
		}
	}
	err, lerr := onLoop(r.Context(), a, func(reply func(error)) { a.server.TransferLeader(id, reply) })
	if lerr != nil {
		return lerr
	}
	if errors.Is(err, core.ErrNoTransferTarget) {
		return badRequest("%v", err)
	}
	if err != nil {
		return err
	}
	writeJSON(w, r, struct{ Success bool }{true})
	return nil
}

// leavePropagation is how long a leaving agent keeps gossiping so that
// its leave reaches the pool (a few LAN gossip intervals).
const leavePropagation = time.Second

// agentLeave serves PUT /v1/agent/leave (see Leave); Left then reports
// that the agent left.
func (a *Agent) agentLeave(w http.ResponseWriter, r *http.Request, _ string) error {
	if err := a.Leave(); err != nil {
		return err
	}
	a.leftOnce.Do(func() { close(a.left) })
	return nil
}

// Leave leaves the cluster gracefully: a leader first hands off its
// leadership, then the agent announces its leave to the gossip pool (so
// the leader deregisters it and, for a server, removes it from Raft) and
// keeps gossiping for leavePropagation. The caller shuts the agent down
// afterwards.
func (a *Agent) Leave() error {
	var err error
	if !a.env.Do(func() { err = a.member.Leave() }) {
		return errShuttingDown
	}
	if err != nil {
		return err
	}
	time.Sleep(leavePropagation)
	return nil
}

// Left is closed once the agent has left the cluster through
// /v1/agent/leave; its process should then shut it down and exit.
func (a *Agent) Left() <-chan struct{} { return a.left }
