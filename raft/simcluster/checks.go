package simcluster

import (
	"maps"
	"slices"

	"github.com/cairn-sd/cairn/raft"
	"github.com/cairn-sd/cairn/raft/driver"
)

// checkLeaderCompleteness requires a new leader's log to hold every entry
// already applied by any server, with the same term (Raft §5.4, Leader
// Completeness): applied entries are committed. Entries the leader has
// compacted into its snapshot are covered by it and skipped.
func (c *Cluster) checkLeaderCompleteness(id raft.ServerID, srv *driver.Server) {
	last := srv.Status().LastIndex
	for _, idx := range slices.Sorted(maps.Keys(c.applied)) {
		e := c.applied[idx]
		if idx > last {
			c.Fail("leader completeness: leader %s ends at %d, but %d/%d was committed", id, last, idx, e.Term)
			return
		}
		if t, ok := srv.LogTerm(idx); ok && t != e.Term {
			c.Fail("leader completeness: leader %s has term %d at %d, committed entry has term %d", id, t, idx, e.Term)
			return
		}
	}
}

// CheckLogMatching requires, for every pair of running members, that
// wherever both logs hold an entry of the same index and term, they agree
// on every earlier entry both still hold (Raft §5.3, Log Matching).
func (c *Cluster) CheckLogMatching() {
	var running []string
	for _, name := range c.names {
		if c.Server(name) != nil {
			running = append(running, name)
		}
	}
	for i, a := range running {
		for _, b := range running[i+1:] {
			c.checkLogPair(a, b)
		}
	}
}

func (c *Cluster) checkLogPair(a, b string) {
	sa, sb := c.Server(a), c.Server(b)
	lo := max(sa.Status().FirstIndex, sb.Status().FirstIndex)
	hi := min(sa.Status().LastIndex, sb.Status().LastIndex)
	matched := false
	for idx := hi; idx >= lo && idx > 0; idx-- {
		ta, okA := sa.LogTerm(idx)
		tb, okB := sb.LogTerm(idx)
		if !okA || !okB {
			continue
		}
		if ta == tb {
			matched = true
		} else if matched {
			c.Fail("log matching: %s and %s agree on a later entry but differ at %d (terms %d and %d)", a, b, idx, ta, tb)
			return
		}
	}
}
