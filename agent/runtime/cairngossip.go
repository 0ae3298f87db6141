package runtime

import (
	"net/http"
	"slices"

	"github.com/cairn-sd/cairn/agent/core"
	"github.com/cairn-sd/cairn/swim"
)

// GET /v1/agent/cairn/gossip is a cairn extension (Consul has no such
// endpoint): what this agent's gossip pools look like from here, beyond
// /v1/agent/members, for the UI's cluster view. It is answered by the
// agent itself, never relayed, and needs agent:read on the agent's node.
//
//	{
//	  "LAN": {
//	    "Members":  {"alive": 3, "suspect": 1, "failed": 0, "left": 0},
//	    "Suspects": ["node-b"],          // members suspected right now
//	    "Failed":   [],                  // members declared dead
//	    "ProbesSent": 1200, "ProbesFailed": 4, "SuspicionsRaised": 2,
//	    "Refutations": 0, "PacketsSent": ..., "PacketsReceived": ...,
//	    "BytesSent": ..., "BytesReceived": ...,
//	    "DecryptFailures": 0, "DecodeFailures": 0,
//	    "HealthScore": 0                 // Lifeguard's awareness, 0 is healthy
//	  },
//	  "WAN": { ... }                     // servers in a WAN pool only
//	}
//
// The counters, all of swim.Stats (new ones appear as swim adds them),
// count since the agent started.

// gossipPoolView is one pool of /v1/agent/cairn/gossip.
type gossipPoolView struct {
	Members  map[string]int
	Suspects []string
	Failed   []string
	swim.Stats
	HealthScore int
}

// gossipCounted is a pool that can report its counters.
type gossipCounted interface {
	Members() []swim.NodeInfo
	GossipCounters() (core.GossipCounters, bool)
}

// poolView describes a pool from its members and counters.
func poolView(members []swim.NodeInfo, c core.GossipCounters) *gossipPoolView {
	v := &gossipPoolView{Members: map[string]int{"alive": 0, "suspect": 0, "failed": 0, "left": 0},
		Suspects: []string{}, Failed: []string{}, Stats: c.Stats, HealthScore: c.HealthScore}
	for _, m := range members {
		switch m.State {
		case swim.StateAlive:
			v.Members["alive"]++
		case swim.StateSuspect:
			v.Members["suspect"]++
			v.Suspects = append(v.Suspects, m.Name)
		case swim.StateDead:
			v.Members["failed"]++
			v.Failed = append(v.Failed, m.Name)
		case swim.StateLeft:
			v.Members["left"]++
		}
	}
	slices.Sort(v.Suspects)
	slices.Sort(v.Failed)
	return v
}

// agentCairnGossip serves GET /v1/agent/cairn/gossip.
func (a *Agent) agentCairnGossip(w http.ResponseWriter, r *http.Request, _ string) error {
	out := struct {
		LAN *gossipPoolView `json:",omitempty"`
		WAN *gossipPoolView `json:",omitempty"`
	}{}
	if !a.env.Do(func() {
		if p, ok := a.member.(gossipCounted); ok {
			if c, ok := p.GossipCounters(); ok {
				out.LAN = poolView(p.Members(), c)
			}
		}
		if a.server != nil {
			if c, ok := a.server.WANGossipCounters(); ok {
				out.WAN = poolView(a.server.WAN().Members(), c)
			}
		}
	}) {
		return errShuttingDown
	}
	writeJSON(w, r, out)
	return nil
}
