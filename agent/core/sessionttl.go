package core

import (
	"fmt"
	"slices"
	"time"

	"go.uber.org/zap"

	"github.com/cairn-sd/cairn/catalog"
	"github.com/cairn-sd/cairn/netsim"
	"github.com/cairn-sd/cairn/raft"
)

// Session TTLs live outside the catalog, on the leader, as in Consul: the
// leader keeps one timer per session that has a TTL and, when one runs
// out, proposes the session's destruction. A renew restarts the timer.
// The timer runs for twice the TTL (Consul's session TTL multiplier), so
// a client that renews at TTL/2, as the official client does, has a wide
// margin. A new leader starts full timers for every session it finds, so a
// leader change can only lengthen a session's life, never shorten it, and
// every session with a TTL always has a timer on the current leader.

// sessionTTLMultiplier stretches a TTL into the time the leader waits.
const sessionTTLMultiplier = 2

// sessionTimers are the leader's TTL timers, by session ID.
type sessionTimers struct {
	// index is the sessions table's index at the last sync; a sync with
	// an unchanged index has nothing to do.
	index  uint64
	timers map[string]netsim.Timer
}

// syncSessionTimers runs at each role check. On the leader it starts a
// timer for each TTL session that has none and drops the timers of
// sessions that are gone; elsewhere it drops every timer.
func (s *Server) syncSessionTimers() {
	if !s.isLeader() {
		s.stopSessionTimers()
		return
	}
	idx, list := s.fsm.SessionList(nil)
	if s.ttl.timers != nil && idx == s.ttl.index {
		return
	}
	if s.ttl.timers == nil {
		s.ttl.timers = map[string]netsim.Timer{}
	}
	s.ttl.index = idx
	live := map[string]bool{}
	for _, sess := range list {
		live[sess.ID] = true
		if _, ok := s.ttl.timers[sess.ID]; !ok {
			s.startSessionTimer(sess)
		}
	}
	for _, id := range s.timedSessions() {
		if !live[id] {
			s.ttl.timers[id].Stop()
			delete(s.ttl.timers, id)
		}
	}
}

// timedSessions returns the IDs that have a timer, in order.
func (s *Server) timedSessions() []string {
	ids := make([]string, 0, len(s.ttl.timers))
	for id := range s.ttl.timers {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}

// stopSessionTimers drops every timer, when this server stops leading.
func (s *Server) stopSessionTimers() {
	for _, id := range s.timedSessions() {
		s.ttl.timers[id].Stop()
	}
	s.ttl = sessionTimers{}
}

// startSessionTimer (re)starts sess's timer if it has a TTL.
func (s *Server) startSessionTimer(sess *catalog.Session) {
	ttl, err := time.ParseDuration(sess.TTL)
	if err != nil || ttl <= 0 {
		return
	}
	if t, ok := s.ttl.timers[sess.ID]; ok {
		t.Stop()
	}
	id := sess.ID
	s.ttl.timers[id] = s.env.AfterFunc(sessionTTLMultiplier*ttl, func() { s.expireSession(id) })
}

// expireSession proposes the destruction of a session whose timer ran
// out. If the proposal fails while this server still leads, it retries at
// the next role check.
func (s *Server) expireSession(id string) {
	if s.stopped || !s.isLeader() {
		return
	}
	s.logger.Info("session TTL expired; destroying it", zap.String("session", id))
	cmd, err := catalog.Encode(&catalog.SessionDestroyRequest{ID: id, Now: catalog.TimestampOf(s.env.Now())})
	if err != nil {
		s.logger.Error("encoding a session destruction failed", zap.Error(err))
		return
	}
	s.applyLocal(cmd, func(r catalog.Result, err error) {
		if err == nil {
			err = r.Err
		}
		if err != nil && s.ttl.timers != nil {
			s.logger.Warn("destroying an expired session failed; will retry", zap.String("session", id), zap.Error(err))
			s.ttl.timers[id] = s.env.AfterFunc(s.cfg.CheckInterval, func() { s.expireSession(id) })
		}
	})
}

// RenewSession restarts the TTL timer of session id on the leader, and
// calls done with whether the session exists. A follower forwards the
// renewal to the leader; without a known leader done gets
// raft.ErrNotLeader.
func (s *Server) RenewSession(id string, done func(bool, error)) { s.RenewSessionFor("", id, done) }

// RenewSessionFor is RenewSession for a renewal its caller has checked
// against token's permissions; token goes with it to the leader.
func (s *Server) RenewSessionFor(token, id string, done func(bool, error)) {
	if s.stopped {
		done(false, ErrStopped)
		return
	}
	if !s.isLeader() {
		s.forwardRenew(token, id, done)
		return
	}
	s.syncSessionTimers()
	_, sess := s.fsm.SessionGet(nil, id)
	if sess == nil {
		done(false, nil)
		return
	}
	s.startSessionTimer(sess)
	done(true, nil)
}

// RenewSessionAs checks that token may renew session id, then renews it
// like RenewSessionFor; renewals arriving over RPC take this way.
func (s *Server) RenewSessionAs(token, id string, done func(bool, error)) {
	s.authorize(func(a RPCAuthorizer, verdict func(error)) { a.SessionWrite(token, id, verdict) },
		func(err error) { done(false, err) },
		func() { s.RenewSessionFor(token, id, done) })
}

// forwardRenew sends a renewal to the leader.
func (s *Server) forwardRenew(token, id string, done func(bool, error)) {
	_, addr := s.raft.Leader()
	if addr == "" {
		done(false, raft.ErrNotLeader)
		return
	}
	s.rpcClient.Call(addr, methodRenewSession, sealToken(token, []byte(id)), forwardTimeout, func(resp []byte, err error) {
		if err != nil {
			done(false, fmt.Errorf("forward session renewal to leader %s: %w", addr, permissionOr(err)))
			return
		}
		done(len(resp) == 1 && resp[0] == 1, nil)
	})
}
