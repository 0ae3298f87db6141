package core

import (
	"github.com/cairn-sd/cairn/swim"
	swimdriver "github.com/cairn-sd/cairn/swim/driver"
)

// Keyring operations rotate the gossip encryption key of a whole cluster
// (Consul's `consul keyring`). As in Consul, a server runs them: a client
// agent's HTTP request reaches a server through the relay, and the server
// asks every member of its LAN pool, and of the WAN pool if it is in one,
// through a keyring query on the gossip itself (swim/keyquery.go). Each pool
// answers with what each of its members did; nothing goes through Raft,
// since each member keeps its own keyring in its own data directory.

// KeyringResponse is one pool's answers to a keyring operation.
type KeyringResponse struct {
	// WAN says the pool is the WAN pool of servers; otherwise it is the
	// LAN pool of Datacenter.
	WAN bool
	// Datacenter is the datacenter of the server that ran the query.
	Datacenter string
	// Result holds each member's answer and the members that did not
	// answer.
	Result swimdriver.KeyringResult
}

// keyringQuery runs op on every member of the pool.
func (p pool) keyringQuery(op swim.KeyOp, key string, relayFactor int, done func(swimdriver.KeyringResult, error)) {
	if p.node == nil {
		done(swimdriver.KeyringResult{}, ErrNoGossip)
		return
	}
	p.node.KeyringQuery(op, key, 0, relayFactor, done)
}

// KeyringOperation runs op (with the base64 key, empty for swim.KeyList)
// on the WAN pool, if wan is set and the server is in one, and on its LAN
// pool, and calls done on the loop with one response per pool, the WAN
// pool's first. The first pool that cannot run the query at all (no
// encryption, a bad key) fails the whole operation; members that fail are
// reported in the responses instead. The LAN pools of other datacenters
// are their own servers' business: the HTTP layer asks them.
func (s *Server) KeyringOperation(op swim.KeyOp, key string, relayFactor int, wan bool, done func([]KeyringResponse, error)) {
	if s.stopped {
		done(nil, ErrStopped)
		return
	}
	pools := []KeyringResponse{{Datacenter: s.cfg.Datacenter}}
	targets := []pool{s.pool}
	if wan && s.wan.node != nil {
		pools = []KeyringResponse{{WAN: true, Datacenter: s.cfg.Datacenter}, pools[0]}
		targets = []pool{s.wan, s.pool}
	}
	waiting := len(targets)
	var firstErr error
	for i, p := range targets {
		p.keyringQuery(op, key, relayFactor, func(r swimdriver.KeyringResult, err error) {
			pools[i].Result = r
			if err != nil && firstErr == nil {
				firstErr = err
			}
			waiting--
			if waiting > 0 {
				return
			}
			if firstErr != nil {
				done(nil, firstErr)
				return
			}
			done(pools, nil)
		})
	}
}
