package raft

import (
	"flag"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
)

var randomSeeds = flag.Int("raft.seeds", 500, "number of seeds for TestRandomFaultsPreserveSafety")

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
	c.dropPct, c.delayPct, c.dupPct = r.IntN(20), r.IntN(20), r.IntN(10)
	c.shuffle = true
	c.checkCompleteness = true
	t.Logf("seed=%d size=%d prevote=%t checkquorum=%t drop=%d%% delay=%d%% dup=%d%%",
		seed, size, preVote, checkQuorum, c.dropPct, c.delayPct, c.dupPct)
	extra := c.addServer(ServerID(fmt.Sprintf("s%d", size+1))).id
	for step := range 600 {
		c.randomStep(r, extra, step)
	}
	c.checkLogMatching()

	// Liveness: a healthy, fully connected cluster converges.
	c.heal()
	c.dropPct, c.delayPct, c.dupPct = 0, 0, 0
	for _, id := range c.ids {
		if c.servers[id].down {
			c.restart(id)
		}
	}
	ok := c.converge()
	if !ok {
		for _, id := range c.ids {
			t.Logf("%s %+v", id, c.servers[id].node.Status())
		}
	}
	require.True(t, ok, "cluster did not converge after healing")
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
		conf, _ := c.servers[lead].node.Configuration()
		done := true
		for _, s := range conf.Servers {
			done = done && c.servers[s.ID].appliedIndex >= idx
		}
		if !done {
			continue
		}
		// The proposer may have removed itself meanwhile: compare the
		// members of the configuration among themselves.
		want := c.appliedData(conf.Servers[0].ID)
		for _, s := range conf.Servers {
			id := s.ID
			require.Equal(c.t, want, c.appliedData(id), "applied on %s", id)
		}
		return true
	}
	return false
}

// randomStep performs one random action of a history: mostly ticks and
// proposals, sometimes a read, transfer, membership change, partition,
// crash, restart or compaction.
func (c *cluster) randomStep(r *rand.Rand, extra ServerID, step int) {
	id := c.ids[r.IntN(len(c.ids))]
	s := c.servers[id]
	lead := c.leader()
	switch k := r.IntN(100); {
	case k < 55:
		c.tick(1)
	case k < 75 && lead != "":
		_, _, _ = c.servers[lead].node.Propose([]byte(fmt.Sprintf("p%d", step)))
		c.stabilize()
	case k < 78 && lead != "":
		reader := lead
		if !s.down && s.node.role == Leader {
			reader = id // possibly a deposed leader that does not know it yet
		}
		c.startRead(reader, fmt.Sprintf("r%d", step))
	case k < 80 && lead != "":
		_ = c.servers[lead].node.TransferLeadership(id)
		c.stabilize()
	case k < 82 && lead != "":
		c.changeMembership(lead, extra)
	case k < 86:
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

// changeMembership cycles the extra server through learner, voter and
// removed.
func (c *cluster) changeMembership(lead, extra ServerID) {
	conf, _ := c.servers[lead].node.Configuration()
	cc := ConfigChange{Type: AddLearner, ID: extra, Address: string(extra)}
	for _, s := range conf.Servers {
		if s.ID == extra && s.Suffrage == Learner {
			cc.Type = Promote
		} else if s.ID == extra {
			cc.Type = RemoveServer
		}
	}
	_, _, _ = c.servers[lead].node.ProposeConfig(cc)
	c.stabilize()
}

// startRead issues a ReadIndex on the leader, remembering the highest index
// applied anywhere so far: a correct answer may not be lower (thesis §6.4).
func (c *cluster) startRead(lead ServerID, ctx string) {
	var applied uint64
	for idx := range c.committed {
		applied = max(applied, idx)
	}
	if c.servers[lead].node.ReadIndex([]byte(ctx)) == nil {
		c.readFloor[ctx] = applied
	}
	c.stabilize()
}

// compact snapshots a server at its applied index, keeping a few entries.
func (c *cluster) compact(id ServerID) {
	s := c.servers[id]
	meta, ok := s.node.SnapshotMetaAt(s.appliedIndex)
	if !ok || meta.Index <= s.snap.Index {
		return
	}
	c.saveSnapshot(s, meta)
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
