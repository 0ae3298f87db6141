package swim

import (
	"errors"
	"fmt"
	"time"
)

// Force-leave (Serf's force-leave, Consul's `force-leave`): an operator
// declares that a failed member is gone for good. The member is marked as
// having left, on its behalf, and that news is gossiped like a graceful
// leave, so that every member stops treating it as a failure that may come
// back, and the catalog drops it. A member that is alive or suspect is
// refused: it would refute the news. With prune, the local member also
// forgets it at once instead of keeping it until the tombstone timeout.

// Errors of ForceLeave.
var (
	// ErrUnknownMember: no member has that name.
	ErrUnknownMember = errors.New("swim: no such member")
	// ErrNotFailed: the member is alive or suspect.
	ErrNotFailed = errors.New("swim: member is not failed")
)

// ForceLeave marks the failed member name as left and gossips it.
func (m *Member) ForceLeave(now time.Duration, name string, prune bool) error {
	m.advance(now)
	n := m.lookup(name)
	if n == nil {
		return fmt.Errorf("%w: %q", ErrUnknownMember, name)
	}
	switch n.state {
	case StateAlive, StateSuspect:
		return fmt.Errorf("%w: %q is %s", ErrNotFailed, name, n.state)
	case StateDead:
		m.deadNode(dead{Incarnation: n.incarnation, Node: name, From: name})
	}
	if prune {
		m.forget(name)
	}
	return nil
}
