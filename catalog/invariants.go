package catalog

import "fmt"

// LockChecker checks the lock invariants of one catalog across the Raft
// indexes it is shown, for property tests and simulations: call Check
// after every Apply. At every index
//
//   - each key is held by at most one session, and that session exists
//     (a key has one Session field; the checker verifies that the indexes
//     of held keys by session agree with it, in both directions);
//   - a key's LockIndex never moves back, and it strictly increases
//     whenever the key gets a new holder, so a holder can fence its writes
//     with it. A key deleted and created again starts over (its
//     CreateIndex changes);
//   - every session is still valid: its node and each check it depends on
//     exist and none of those checks is critical, since the Apply that
//     broke one of these must have destroyed the session.
//
// The zero LockChecker is ready to use.
type LockChecker struct {
	last map[string]lockSeen
}

// lockSeen is what the checker saw of one key at the previous index.
type lockSeen struct {
	createIndex uint64
	lockIndex   uint64
	session     string
}

// Check verifies the invariants on s's current state against the state it
// saw at the previous call, and returns the first violation found, in key
// order.
func (c *LockChecker) Check(s *State) error {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if err := checkHeldIndex(&s.db); err != nil {
		return err
	}
	if err := checkSessionsValid(&s.db); err != nil {
		return err
	}
	next := make(map[string]lockSeen, len(c.last))
	for key := range s.db.kvs.all() {
		row := s.db.kvs.at(key)
		now := lockSeen{createIndex: row.CreateIndex, lockIndex: row.LockIndex, session: row.Session}
		if row.Session != "" || row.LockIndex > 0 {
			next[key] = now
		}
		if row.Session != "" && row.LockIndex == 0 {
			return fmt.Errorf("catalog: index %d: key %q is held by %q with LockIndex 0", s.db.lastIndex, key, row.Session)
		}
		prev, ok := c.last[key]
		if !ok || prev.createIndex != now.createIndex {
			continue
		}
		if now.lockIndex < prev.lockIndex {
			return fmt.Errorf("catalog: index %d: key %q LockIndex moved back from %d to %d",
				s.db.lastIndex, key, prev.lockIndex, now.lockIndex)
		}
		if now.session != "" && now.session != prev.session && now.lockIndex <= prev.lockIndex {
			return fmt.Errorf("catalog: index %d: key %q changed holder from %q to %q but LockIndex stayed %d",
				s.db.lastIndex, key, prev.session, now.session, now.lockIndex)
		}
		if now.session != "" && now.session == prev.session && now.lockIndex != prev.lockIndex {
			return fmt.Errorf("catalog: index %d: key %q LockIndex moved from %d to %d without a new holder",
				s.db.lastIndex, key, prev.lockIndex, now.lockIndex)
		}
	}
	c.last = next
	return nil
}

// checkHeldIndex verifies that every held key's session exists and that
// the derived index of held keys by session matches the keys' Session
// fields exactly.
func checkHeldIndex(d *db) error {
	held := 0
	for key := range d.kvs.all() {
		sess := d.kvs.at(key).Session
		if sess == "" {
			continue
		}
		held++
		if _, ok := d.sessions.get(sess); !ok {
			return fmt.Errorf("catalog: index %d: key %q held by session %q, which does not exist", d.lastIndex, key, sess)
		}
		if _, ok := d.sessionKeys.get(joinKey(sess, key)); !ok {
			return fmt.Errorf("catalog: index %d: key %q held by %q is missing from the held-key index", d.lastIndex, key, sess)
		}
	}
	if held != d.sessionKeys.len() {
		return fmt.Errorf("catalog: index %d: %d keys are held but the held-key index lists %d", d.lastIndex, held, d.sessionKeys.len())
	}
	return nil
}

// checkSessionsValid verifies that no session outlived its node or one of
// its checks, or a check turning critical.
func checkSessionsValid(d *db) error {
	for id := range d.sessions.all() {
		sess := d.sessions.at(id)
		if _, ok := d.nodes.get(sess.Node); !ok {
			return fmt.Errorf("catalog: index %d: session %q outlived its node %q", d.lastIndex, id, sess.Node)
		}
		for _, check := range sess.checkIDs() {
			c, ok := d.checks.get(joinKey(sess.Node, check))
			if !ok {
				return fmt.Errorf("catalog: index %d: session %q outlived its check %q", d.lastIndex, id, check)
			}
			if c.Status == HealthCritical {
				return fmt.Errorf("catalog: index %d: session %q outlived its check %q turning critical", d.lastIndex, id, check)
			}
		}
	}
	return nil
}
