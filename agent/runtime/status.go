package runtime

import (
	"net/http"
)

// statusLeader serves GET /v1/status/leader: the leader's Raft address as
// a JSON string, "" when no leader is known.
func (a *Agent) statusLeader(w http.ResponseWriter, r *http.Request, _ string) error {
	leader, _, err := a.raftView()
	if err != nil {
		return err
	}
	writeJSON(w, r, leader)
	return nil
}

// statusPeers serves GET /v1/status/peers: the Raft addresses of the
// voters.
func (a *Agent) statusPeers(w http.ResponseWriter, r *http.Request, _ string) error {
	_, peers, err := a.raftView()
	if err != nil {
		return err
	}
	writeJSON(w, r, nonNil(peers))
	return nil
}
