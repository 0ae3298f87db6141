package runtime

import (
	"net/http"

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

// agentLeave serves PUT /v1/agent/leave: the agent hands off leadership if
// it leads, leaves the gossip pool gracefully (so the leader deregisters
// it and removes it from Raft) and then stops; Left reports it.
func (a *Agent) agentLeave(w http.ResponseWriter, r *http.Request, _ string) error {
	var err error
	if !a.env.Do(func() { err = a.server.Leave() }) {
		return errShuttingDown
	}
	if err != nil {
		return err
	}
	a.leftOnce.Do(func() { close(a.left) })
	return nil
}

// Left is closed once the agent has left the cluster through
// /v1/agent/leave; its process should then shut it down and exit.
func (a *Agent) Left() <-chan struct{} { return a.left }
