package raft

import (
	"flag"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"
)

var randomSeeds = flag.Int("raft.seeds", 200, "number of seeds for TestRandomFaultsPreserveSafety")

// TestRandomFaultsPreserveSafety runs seeded histories of ticks, proposals,
// message loss and reordering, partitions, crashes, restarts and
// compactions. Throughout, the harness checks Election Safety (one leader
// per term), Leader Completeness (a new leader holds every applied entry)
// and State Machine Safety (no two servers apply different entries at an
// index); at the end it checks Log Matching, then heals everything and
// requires the cluster to converge (liveness).
func TestRandomFaultsPreserveSafety(t *testing.T) {
	seeds := *randomSeeds
	if testing.Short() {
		seeds = 10
	}
	for seed := 1; seed <= seeds; seed++ {
		t.Run(fmt.Sprintf("seed=%d", seed), func(t *testing.T) { runRandomHistory(t, uint64(seed)) })
	}
}

func runRandomHistory(t *testing.T, seed uint64) {
	r := rand.New(rand.NewPCG(seed, 1))
	size := []int{3, 5}[r.IntN(2)]
	preVote, checkQuorum := r.IntN(2) == 0, r.IntN(2) == 0
	c := newCluster(t, size, seed, func(cfg *Config) {
		cfg.PreVote, cfg.CheckQuorum = preVote, checkQuorum
		cfg.MaxInflightMsgs = 1 + r.IntN(8)
		cfg.MaxEntriesPerMsg = 1 + r.IntN(10)
	})
	c.dropPct = r.IntN(20)
	c.shuffle = true
	c.checkCompleteness = true
	t.Logf("seed=%d size=%d prevote=%t checkquorum=%t drop=%d%%", seed, size, preVote, checkQuorum, c.dropPct)
	proposals := 0
	for range 400 {
		id := c.ids[r.IntN(len(c.ids))]
		s := c.servers[id]
		switch k := r.IntN(100); {
		case k < 60:
			c.tick(1)
		case k < 80:
			if l := c.leader(); l != "" {
				proposals++
				_, _, _ = c.servers[l].node.Propose([]byte(fmt.Sprintf("p%d", proposals)))
				c.stabilize()
			}
		case k < 85:
			c.isolate(id)
		case k < 90:
			c.heal()
		case k < 94:
			c.crash(id)
		case k < 97:
			if s.down {
				c.restart(id)
			}
		default:
			if !s.down {
				c.compact(id)
			}
		}
	}
	c.checkLogMatching()

	// Liveness: a healthy, fully connected cluster converges.
	c.heal()
	c.dropPct = 0
	for _, id := range c.ids {
		if c.servers[id].down {
			c.restart(id)
		}
	}
	require.True(t, c.converge(), "cluster did not converge after healing")
	c.checkLogMatching()
}

// converge elects a leader and commits a final entry on every server,
// retrying if leadership changes meanwhile; it reports success.
func (c *cluster) converge() bool {
	for range 20 {
		lead := c.waitLeader(300)
		if lead == "" {
			continue
		}
		idx, term, err := c.servers[lead].node.Propose([]byte("final"))
		if err != nil {
			c.tick(5)
			continue
		}
		c.tick(20)
		if e, ok := c.committed[idx]; !ok || e.Term != term {
			continue
		}
		done := true
		for _, id := range c.ids {
			done = done && c.servers[id].appliedIndex >= idx
		}
		if !done {
			continue
		}
		want := c.appliedData(lead)
		for _, id := range c.ids {
			require.Equal(c.t, want, c.appliedData(id), "applied on %s", id)
		}
		return true
	}
	return false
}

// compact snapshots a server at its applied index, keeping a few entries.
func (c *cluster) compact(id ServerID) {
	s := c.servers[id]
	meta, ok := s.node.SnapshotMetaAt(s.appliedIndex)
	if !ok || meta.Index <= s.snap.Index {
		return
	}
	s.snap, s.snapSM = meta, slices.Clone(s.applied)
	keepFrom := meta.Index - min(meta.Index, 3)
	s.node.Compact(keepFrom, meta)
	kept := s.entries[:0]
	for _, e := range s.entries {
		if e.Index > keepFrom {
			kept = append(kept, e)
		}
	}
	s.entries = kept
}
