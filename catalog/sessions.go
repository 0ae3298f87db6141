package catalog

import (
	"fmt"
	"slices"
	"time"
)

// Session behaviors: what destroying a session does to the keys it holds.
const (
	SessionRelease = "release" // clear the keys' Session, keep them
	SessionDelete  = "delete"  // delete the keys
)

// DefaultLockDelay is the lock-delay of a session created without one, as
// in Consul.
const DefaultLockDelay = 15 * time.Second

// Session is a lease that KV locks hang on, with the fields and names of
// Consul's SessionEntry JSON object. LockDelay is written as a number of
// nanoseconds, as Consul does. Checks is the pre-1.7 name of NodeChecks and
// always equals it. Sessions are never updated: ModifyIndex is CreateIndex.
type Session struct {
	ID            string
	Name          string
	Node          string
	LockDelay     time.Duration
	Behavior      string
	TTL           string
	NodeChecks    []string
	ServiceChecks []ServiceCheck
	Checks        []string
	CreateIndex   uint64
	ModifyIndex   uint64
}

// ServiceCheck names a service check a session depends on. Namespace is
// kept for Consul's JSON; cairn has one namespace.
type ServiceCheck struct {
	ID        string
	Namespace string
}

// checkIDs returns every check the session depends on.
func (sess *Session) checkIDs() []string {
	ids := slices.Clone(sess.NodeChecks)
	for _, c := range sess.ServiceChecks {
		ids = append(ids, c.ID)
	}
	return ids
}

// SessionCreateRequest creates Session under the ID the proposer chose
// (a random UUID, drawn outside the catalog). It is refused if the ID is
// taken, if the node does not exist, or if a check the session names does
// not exist on that node or is critical. An empty Behavior is release; a
// zero LockDelay is DefaultLockDelay unless DisableLockDelay is set (a
// user who asked for "0s"). NodeChecks nil takes Checks (the legacy
// field); the proposer applies Consul's default of ["serfHealth"] when the
// user named no checks at all. Renewing a session's TTL is not a command:
// the leader keeps TTL timers outside the catalog, resets one on renew
// (after SessionGet confirms the session exists) and, when one runs out,
// proposes a SessionDestroyRequest.
type SessionCreateRequest struct {
	Session          Session
	DisableLockDelay bool `json:",omitempty"`
}

// SessionDestroyRequest destroys a session, as /v1/session/destroy does or
// as the leader does when the session's TTL ran out. The keys it holds are
// released or deleted by its Behavior, and, for its LockDelay after Now,
// no session may acquire them. Destroying an unknown session succeeds and
// changes nothing.
type SessionDestroyRequest struct {
	ID  string
	Now Timestamp `json:",omitempty"`
}

func (*SessionCreateRequest) opCode() opCode  { return opSessionCreate }
func (*SessionDestroyRequest) opCode() opCode { return opSessionDestroy }

func (r *SessionDestroyRequest) timestamp() Timestamp { return r.Now }

// applySessionCreate validates r against the state, fills in defaults and
// stores the session.
func (s *State) applySessionCreate(idx uint64, r *SessionCreateRequest) Result {
	sess := r.Session
	if err := s.normaliseSession(&sess, r.DisableLockDelay); err != nil {
		return errResult(err)
	}
	sess.CreateIndex, sess.ModifyIndex = idx, idx
	s.db.sessions.put(sess.ID, &sess)
	s.db.nodeSessions.put(joinKey(sess.Node, sess.ID), struct{}{})
	s.touchSession(idx, &sess)
	return okResult
}

// normaliseSession fills in sess's defaults and checks it as Consul does.
func (s *State) normaliseSession(sess *Session, noLockDelay bool) error {
	if sess.ID == "" {
		return ErrMissingSessionID
	}
	if hasNUL(sess.ID, sess.Node) {
		return ErrBadName
	}
	if _, ok := s.db.sessions.get(sess.ID); ok {
		return fmt.Errorf("%w: %q", ErrSessionExists, sess.ID)
	}
	switch sess.Behavior {
	case "":
		sess.Behavior = SessionRelease
	case SessionRelease, SessionDelete:
	default:
		return fmt.Errorf("%w: %q", ErrBadSessionBehavior, sess.Behavior)
	}
	if sess.TTL != "" {
		if ttl, err := time.ParseDuration(sess.TTL); err != nil || ttl <= 0 {
			return fmt.Errorf("%w: %q", ErrBadSessionTTL, sess.TTL)
		}
	}
	switch {
	case sess.LockDelay < 0:
		return fmt.Errorf("%w: %v", ErrBadLockDelay, sess.LockDelay)
	case noLockDelay:
		sess.LockDelay = 0
	case sess.LockDelay == 0:
		sess.LockDelay = DefaultLockDelay
	}
	if sess.NodeChecks == nil {
		sess.NodeChecks = sess.Checks
	}
	sess.Checks = sess.NodeChecks
	if sess.Node == "" {
		return ErrMissingNode
	}
	if _, ok := s.db.nodes.get(sess.Node); !ok {
		return fmt.Errorf("%w: Missing node registration %q", ErrNodeNotFound, sess.Node)
	}
	for _, id := range sess.checkIDs() {
		c, ok := s.db.checks.get(joinKey(sess.Node, id))
		if !ok {
			return fmt.Errorf("%w: Missing check '%s' registration", ErrCheckNotFound, id)
		}
		if c.Status == HealthCritical {
			return fmt.Errorf("%w: Check '%s' is in %s state", ErrCheckCritical, id, c.Status)
		}
	}
	return nil
}

// applySessionDestroy destroys a session if it exists.
func (s *State) applySessionDestroy(idx uint64, r *SessionDestroyRequest) Result {
	s.deleteSession(idx, r.ID)
	return okResult
}

// deleteSession destroys the session id at idx: the keys it holds are
// released or deleted by its Behavior, and each gets a lock-delay of the
// session's LockDelay from the command's timestamp.
func (s *State) deleteSession(idx uint64, id string) {
	sess, ok := s.db.sessions.get(id)
	if !ok {
		return
	}
	s.db.sessions.delete(id)
	s.db.nodeSessions.delete(joinKey(sess.Node, id))
	s.touchSession(idx, sess)
	s.deleteSessionQueries(idx, id)
	held := slices.Collect(s.db.sessionKeys.prefix(id + "\x00"))
	if sess.LockDelay > 0 {
		s.pruneLockDelays(s.now)
	}
	for _, k := range held {
		key := k[len(id)+1:]
		if sess.LockDelay > 0 {
			s.setLockDelay(key, s.now.add(sess.LockDelay))
		}
		if sess.Behavior == SessionDelete {
			s.kvDelete(idx, key)
			continue
		}
		row := *s.db.kvs.at(key)
		row.Session, row.ModifyIndex = "", idx
		s.kvPut(idx, &row)
	}
}

// invalidateCheckSessions destroys every session on node that depends on
// the check id, which turned critical or went away.
func (s *State) invalidateCheckSessions(idx uint64, node, id string) {
	for _, sid := range s.sessionsOf(node) {
		if slices.Contains(s.db.sessions.at(sid).checkIDs(), id) {
			s.deleteSession(idx, sid)
		}
	}
}

// deleteNodeSessions destroys every session on node.
func (s *State) deleteNodeSessions(idx uint64, node string) {
	for _, sid := range s.sessionsOf(node) {
		s.deleteSession(idx, sid)
	}
}

// sessionsOf returns the IDs of node's sessions in order, in a slice of its
// own that survives changes to the table.
func (s *State) sessionsOf(node string) []string {
	var ids []string
	for k := range s.db.nodeSessions.prefix(node + "\x00") {
		ids = append(ids, k[len(node)+1:])
	}
	return ids
}

// touchSession records that sess was created or destroyed at idx and
// wakes the watchers of the sessions table, of the session and of its
// node's sessions.
func (s *State) touchSession(idx uint64, sess *Session) {
	s.touchTable(idx, tableSessions)
	s.watches.fire(watchKey{kind: watchSession, name: sess.ID})
	s.watches.fire(watchKey{kind: watchNodeSessions, name: sess.Node})
}

// SessionGet returns the session id, or nil. The index, for this and the
// other session reads, is the sessions table's, as in Consul.
func (s *State) SessionGet(ws *WatchSet, id string) (uint64, *Session) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	s.watch(ws, watchKey{kind: watchSession, name: id})
	sess, _ := s.db.sessions.get(id)
	return s.answer(s.db.tableIndex[tableSessions]), sess
}

// SessionList returns every session in ID order.
func (s *State) SessionList(ws *WatchSet) (uint64, []*Session) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	s.watch(ws, watchKey{kind: watchTable, name: tableSessions})
	var out []*Session
	for id := range s.db.sessions.all() {
		out = append(out, s.db.sessions.at(id))
	}
	return s.answer(s.db.tableIndex[tableSessions]), out
}

// NodeSessions returns the sessions of node in ID order.
func (s *State) NodeSessions(ws *WatchSet, node string) (uint64, []*Session) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	s.watch(ws, watchKey{kind: watchNodeSessions, name: node})
	var out []*Session
	for _, id := range s.sessionsOf(node) {
		out = append(out, s.db.sessions.at(id))
	}
	return s.answer(s.db.tableIndex[tableSessions]), out
}
