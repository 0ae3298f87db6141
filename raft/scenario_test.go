package raft

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestThreeServersElectOneLeader(t *testing.T) {
	c := newCluster(t, 3, 1, nil)
	lead := c.waitLeader(100)
	require.NotEmpty(t, lead)
	for _, id := range c.ids {
		got, addr := c.servers[id].node.Leader()
		require.Equal(t, lead, got, "%s's view of the leader", id)
		require.Equal(t, string(lead)+":8300", addr)
	}
}

func TestLeaderReplicatesThousandEntriesToAll(t *testing.T) {
	c := newCluster(t, 3, 2, nil)
	lead := c.waitLeader(100)
	var want []string
	for i := range 1000 {
		cmd := fmt.Sprintf("cmd-%d", i)
		want = append(want, cmd)
		_, _, err := c.servers[lead].node.Propose([]byte(cmd))
		require.NoError(t, err)
		if i%50 == 0 {
			c.stabilize()
		}
	}
	c.stabilize()
	c.tick(3)
	for _, id := range c.ids {
		require.Equal(t, want, c.appliedData(id), "applied on %s", id)
	}
	c.checkLogMatching()
}

func TestNewLeaderElectedAfterLeaderCrash(t *testing.T) {
	c := newCluster(t, 3, 3, nil)
	old := c.waitLeader(100)
	c.propose(old, "before")
	c.crash(old)
	lead := c.waitLeader(200)
	require.NotEmpty(t, lead)
	require.NotEqual(t, old, lead)
	c.propose(lead, "after")
	c.restart(old)
	c.tick(10)
	for _, id := range c.ids {
		require.Equal(t, []string{"before", "after"}, c.appliedData(id), "applied on %s", id)
	}
}

// Pre-vote (thesis §9.6): a server cut off for long, which would otherwise
// return with a much higher term, cannot depose a healthy leader. Without
// pre-vote it does, which shows the test has teeth.
func TestPreVoteKeepsRejoiningServerFromDisruptingLeader(t *testing.T) {
	for _, preVote := range []bool{true, false} {
		c := newCluster(t, 3, 4, func(cfg *Config) { cfg.CheckQuorum, cfg.PreVote = false, preVote })
		lead := c.waitLeader(100)
		c.propose(lead, "x")
		other := c.follower(lead)
		term := c.servers[lead].node.term
		c.isolate(other)
		c.tick(100)
		if preVote {
			require.Equal(t, term, c.servers[other].node.term, "failed pre-votes leave the term alone")
		}
		c.heal()
		c.tick(20)
		require.Equal(t, preVote, c.servers[lead].node.term == term, "prevote=%t", preVote)
		if preVote {
			require.Equal(t, lead, c.leader())
		}
	}
}

// Check-quorum (thesis §6.2): a leader that cannot hear from a majority
// steps down within an election timeout, and the majority elects another.
func TestLeaderCutOffFromQuorumStepsDown(t *testing.T) {
	c := newCluster(t, 5, 5, nil)
	lead := c.waitLeader(100)
	c.isolate(lead)
	c.tick(2 * DefaultElectionTicks)
	require.NotEqual(t, Leader, c.servers[lead].node.role)
	l2 := c.waitLeader(100)
	require.NotEmpty(t, l2)
	require.NotEqual(t, lead, l2)
}

// Leader stickiness (thesis §4.2.3): with check-quorum, servers that hear a
// leader ignore a (pre-)vote request, even from a server whose log is as
// up-to-date as theirs, which would otherwise win.
func TestFollowersWithLiveLeaderIgnoreVoteRequests(t *testing.T) {
	c := newCluster(t, 3, 6, nil)
	lead := c.waitLeader(100)
	other := c.follower(lead)
	c.servers[other].node.Campaign()
	c.stabilize()
	c.tick(5)
	require.Equal(t, lead, c.leader())
}

// §5.3: a follower with a long divergent suffix of many terms is repaired
// using the conflict hints, with far fewer round trips than one per entry.
func TestFollowerWithLongDivergentLogCatchesUpWithHints(t *testing.T) {
	var leaderLog, followerLog []uint64
	for i := range 300 {
		leaderLog = append(leaderLog, 1)
		followerLog = append(followerLog, 1)
		if i >= 10 {
			followerLog[i] = 2 + uint64(i-10)/40 // 8 stale terms, 40 entries each
			leaderLog[i] = 10
		}
	}
	c := newLogCluster(t, 10, map[ServerID][]uint64{"s1": leaderLog, "s2": followerLog, "s3": leaderLog})
	rejects := 0
	c.elect("s1")
	for range 50 {
		if len(c.queue) == 0 {
			break
		}
		for _, m := range c.queue {
			if m.Type == MsgAppResp && m.Reject && m.From == "s2" {
				rejects++
			}
		}
		c.stabilize()
	}
	c.propose("s1", "x")
	require.Equal(t, c.servers["s1"].entries, c.servers["s2"].entries)
	require.LessOrEqual(t, rejects, 12, "one reject per divergent term, not per entry")
}

// §7: a follower that needs entries the leader compacted away receives a
// snapshot, installs it, and then follows the log again.
func TestFollowerBehindCompactionInstallsSnapshot(t *testing.T) {
	c := newCluster(t, 3, 8, nil)
	lead := c.waitLeader(100)
	lagging := c.follower(lead)
	c.crash(lagging)
	for i := range 30 {
		c.propose(lead, fmt.Sprintf("a%d", i))
	}
	ls := c.servers[lead]
	meta, ok := ls.node.SnapshotMetaAt(ls.appliedIndex)
	require.True(t, ok)
	require.Equal(t, votersConfig(c.ids...), meta.Config)
	c.saveSnapshot(ls, meta)
	ls.node.Compact(meta.Index, meta)
	c.restart(lagging)
	c.tick(5)
	c.propose(lead, "after")
	require.Equal(t, c.appliedData(lead), c.appliedData(lagging))
	require.Equal(t, meta.Index, c.servers[lagging].snap.Index, "the follower saved the snapshot")
	require.Greater(t, c.servers[lagging].node.log.firstIndex(), uint64(1))
}

// Thesis §4.1: servers are added and removed one at a time; a new server
// catches up from nothing; a removed leader steps down once its removal
// commits.
func TestAddAndRemoveServersOneAtATime(t *testing.T) {
	c := newCluster(t, 3, 9, nil)
	lead := c.waitLeader(100)
	c.propose(lead, "x")
	c.addServer("s4")
	_, _, err := c.servers[lead].node.ProposeConfig(ConfigChange{Type: AddVoter, ID: "s4", Address: "s4:8300"})
	require.NoError(t, err)
	_, _, err = c.servers[lead].node.ProposeConfig(ConfigChange{Type: AddVoter, ID: "s5"})
	require.ErrorIs(t, err, ErrConfigChangeInProgress, "only one change in flight")
	c.stabilize()
	c.tick(3)
	require.Equal(t, []string{"x"}, c.appliedData("s4"))
	conf, _ := c.servers["s4"].node.Configuration()
	require.Len(t, voters(conf), 4)

	_, _, err = c.servers[lead].node.ProposeConfig(ConfigChange{Type: RemoveServer, ID: lead})
	require.NoError(t, err)
	c.stabilize()
	c.tick(3)
	require.NotEqual(t, Leader, c.servers[lead].node.role, "a removed leader steps down")
	c.crash(lead)
	l2 := c.waitLeader(200)
	require.NotEmpty(t, l2)
	c.propose(l2, "y")
	require.Equal(t, []string{"x", "y"}, c.appliedData("s4"))
}

// Thesis §4.2.1: a learner receives the log without voting; once promoted
// it counts towards the quorum.
func TestLearnerReplicatesThenCountsAfterPromotion(t *testing.T) {
	c := newCluster(t, 1, 10, nil)
	lead := c.waitLeader(100)
	c.addServer("s2")
	_, _, err := c.servers[lead].node.ProposeConfig(ConfigChange{Type: AddLearner, ID: "s2", Address: "s2:8300"})
	require.NoError(t, err)
	c.stabilize()
	c.propose(lead, "x")
	c.tick(3)
	require.Equal(t, []string{"x"}, c.appliedData("s2"))
	c.crash("s2")
	c.propose(lead, "y")
	require.Equal(t, []string{"x", "y"}, c.appliedData(lead), "a learner does not hold up commits")
	c.restart("s2")
	c.tick(3)
	_, _, err = c.servers[lead].node.ProposeConfig(ConfigChange{Type: Promote, ID: "s2"})
	require.NoError(t, err)
	c.stabilize()
	c.tick(3)
	c.crash("s2")
	idx, _, err := c.servers[lead].node.Propose([]byte("z"))
	require.NoError(t, err)
	c.tick(3)
	require.Less(t, c.servers[lead].node.log.committed, idx, "the promoted voter is now needed")
}

// Thesis §3.10: leadership moves to the named server, which first receives
// whatever it is missing.
func TestLeadershipTransferMovesLeadershipToTarget(t *testing.T) {
	c := newCluster(t, 3, 11, nil)
	lead := c.waitLeader(100)
	target := c.follower(lead)
	c.propose(lead, "x")
	require.NoError(t, c.servers[lead].node.TransferLeadership(target))
	c.stabilize()
	require.Equal(t, target, c.leader())
	c.tick(3)
	for _, id := range c.ids {
		l, _ := c.servers[id].node.Leader()
		require.Equal(t, target, l, "%s follows the new leader", id)
	}
}

// Thesis §6.4: ReadIndex answers with the commit index only after a quorum
// confirmed the leadership; a leader cut off never answers.
func TestReadIndexNeedsQuorumConfirmation(t *testing.T) {
	c := newCluster(t, 3, 12, nil)
	lead := c.waitLeader(100)
	idx, _ := c.propose(lead, "x")
	require.NoError(t, c.servers[lead].node.ReadIndex([]byte("r1")))
	c.stabilize()
	require.Equal(t, []ReadState{{Index: idx, Context: []byte("r1")}}, c.servers[lead].reads)

	c.isolate(lead)
	require.NoError(t, c.servers[lead].node.ReadIndex([]byte("r2")))
	c.tick(3 * DefaultElectionTicks)
	require.Len(t, c.servers[lead].reads, 1, "no answer without a quorum")
	require.Equal(t, []DroppedRead{{Context: []byte("r2"), Err: ErrLeadershipLost}}, c.servers[lead].droppedReads)
	for _, id := range c.ids {
		if c.servers[id].node.role != Leader {
			require.ErrorIs(t, c.servers[id].node.ReadIndex(nil), ErrNotLeader)
		}
	}
}

// A deposed leader reports its uncommitted proposals as dropped, so that
// callers get ErrLeadershipLost instead of silence.
func TestDeposedLeaderReportsDroppedProposals(t *testing.T) {
	c := newCluster(t, 3, 13, nil)
	lead := c.waitLeader(100)
	c.propose(lead, "committed")
	c.isolate(lead)
	i1, t1, err := c.servers[lead].node.Propose([]byte("lost"))
	require.NoError(t, err)
	c.tick(3 * DefaultElectionTicks)
	require.Equal(t, []DroppedProposal{{Index: i1, Term: t1, Err: ErrLeadershipLost}}, c.servers[lead].dropped)
	_, _, err = c.servers[lead].node.Propose([]byte("again"))
	require.ErrorIs(t, err, ErrNotLeader)
}

// A broken stream loses appends in flight; ReportUnreachable makes the
// leader resend from the last acknowledged entry at once, rather than
// learning of the gap from a rejection.
func TestReportUnreachableResendsLostAppends(t *testing.T) {
	c := newCluster(t, 3, 14, nil)
	lead := c.waitLeader(100)
	c.propose(lead, "x")
	f := c.follower(lead)
	c.cut[[2]ServerID{lead, f}] = true
	c.propose(lead, "y")
	c.heal()
	c.servers[lead].node.ReportUnreachable(f)
	rejects := 0
	c.trace = func(m Message) {
		if m.Type == MsgAppResp && m.Reject {
			rejects++
		}
	}
	_, _, err := c.servers[lead].node.Propose([]byte("z"))
	require.NoError(t, err)
	c.stabilize()
	require.Zero(t, rejects)
	require.Equal(t, []string{"x", "y"}, c.appliedData(f)[:2])
	require.Equal(t, c.servers[lead].node.log.lastIndex(), c.servers[f].node.log.lastIndex())
}
