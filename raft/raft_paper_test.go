package raft

// One test per claim of the Raft paper (Ongaro and Ousterhout, 2014), named
// for the claim and tagged with its section. Figure 2 is quoted in the
// comments.

import (
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
)

var three = []ServerID{"s1", "s2", "s3"}

// Figure 2, all servers: "If RPC request or response contains term T >
// currentTerm: set currentTerm = T, convert to follower."
func TestEveryRoleBecomesFollowerOnHigherTerm(t *testing.T) {
	for _, role := range []Role{Follower, Candidate, Leader} {
		t.Run(role.String(), func(t *testing.T) {
			n := newTestNode(t, "s1", three, 1, nil, nil)
			switch role {
			case Candidate:
				n.Campaign()
			case Leader:
				makeLeader(t, n)
			}
			require.Equal(t, role, n.role)
			require.NoError(t, n.Step(Message{Type: MsgApp, From: "s2", To: "s1", Term: 9}))
			require.Equal(t, Follower, n.role)
			require.Equal(t, uint64(9), n.term)
			require.Equal(t, ServerID("s2"), n.lead)
			require.Equal(t, ServerID(""), n.vote)
		})
	}
}

// Figure 2, RequestVote and AppendEntries receiver: "Reply false if term <
// currentTerm." A stale request changes nothing; a stale leader is told the
// newer term so that it steps down.
func TestStaleTermRequestsAreRefused(t *testing.T) {
	n := newTestNode(t, "s1", three, 5, nil, nil)
	require.NoError(t, n.Step(Message{Type: MsgVote, From: "s2", To: "s1", Term: 4, Index: 10, LogTerm: 4}))
	require.Empty(t, drain(n), "a stale vote request gets no vote")
	require.Equal(t, ServerID(""), n.vote)

	n = newTestNode(t, "s1", three, 5, nil, func(c *Config) { c.CheckQuorum = true })
	require.NoError(t, n.Step(Message{Type: MsgApp, From: "s2", To: "s1", Term: 4}))
	msgs := drain(n)
	require.Len(t, msgs, 1)
	require.Equal(t, MsgAppResp, msgs[0].Type)
	require.Equal(t, uint64(5), msgs[0].Term)
	require.Equal(t, ServerID(""), n.lead)
}

// §5.2: "If a follower receives no communication over a period of time
// called the election timeout, then it ... begins an election": it
// increments its term, votes for itself and sends RequestVote to the others.
func TestFollowerCampaignsAfterElectionTimeout(t *testing.T) {
	n := newTestNode(t, "s1", three, 1, []uint64{1}, nil)
	for range 2 * n.cfg.ElectionTicks {
		n.Tick()
	}
	require.Equal(t, Candidate, n.role)
	require.Equal(t, uint64(2), n.term)
	require.Equal(t, ServerID("s1"), n.vote)
	votes := ofType(drain(n), MsgVote)
	require.Len(t, votes, 2)
	for i, to := range []ServerID{"s2", "s3"} {
		require.Equal(t, Message{Type: MsgVote, From: "s1", To: to, Term: 2, Index: 1, LogTerm: 1}, votes[i])
	}
}

// §5.2: "election timeouts are chosen randomly from a fixed interval", here
// [ElectionTicks, 2*ElectionTicks).
func TestElectionTimeoutIsRandomizedWithinRange(t *testing.T) {
	seen := map[int]bool{}
	for seed := range 50 {
		n := newTestNode(t, "s1", []ServerID{"s1"}, 1, nil, func(c *Config) {
			c.Rand = rand.New(rand.NewPCG(uint64(seed), 1))
		})
		ticks := 0
		for n.role == Follower {
			n.Tick()
			ticks++
			require.Less(t, ticks, 2*n.cfg.ElectionTicks+1)
		}
		seen[ticks] = true
	}
	for ticks := range seen {
		require.GreaterOrEqual(t, ticks, DefaultElectionTicks)
		require.Less(t, ticks, 2*DefaultElectionTicks)
	}
	require.Greater(t, len(seen), 3, "timeouts should vary")
}

// §5.2: "A candidate wins an election if it receives votes from a majority
// of the servers in the full cluster for the same term", and returns to
// follower once a majority refused.
func TestCandidateOutcomeFollowsVoteMajority(t *testing.T) {
	tests := []struct {
		size  int
		votes map[ServerID]bool
		want  Role
	}{
		{1, nil, Leader},
		{3, map[ServerID]bool{"s2": true}, Leader},
		{3, map[ServerID]bool{"s2": false}, Candidate},
		{3, map[ServerID]bool{"s2": false, "s3": false}, Follower},
		{5, map[ServerID]bool{"s2": true}, Candidate},
		{5, map[ServerID]bool{"s2": true, "s3": true}, Leader},
		{5, map[ServerID]bool{"s2": false, "s3": false, "s4": true}, Candidate},
		{5, map[ServerID]bool{"s2": false, "s3": false, "s4": false}, Follower},
	}
	for i, tt := range tests {
		n := newTestNode(t, "s1", testIDs(tt.size), 1, nil, nil)
		n.Campaign()
		for _, id := range testIDs(tt.size) {
			if granted, ok := tt.votes[id]; ok {
				require.NoError(t, n.Step(Message{Type: MsgVoteResp, From: id, To: "s1", Term: n.term, Reject: !granted}))
			}
		}
		require.Equal(t, tt.want, n.role, "case %d", i)
	}
}

// §5.2: "each server will vote for at most one candidate in a given term,
// on a first-come-first-served basis".
func TestServerVotesForAtMostOneCandidatePerTerm(t *testing.T) {
	n := newTestNode(t, "s1", three, 1, nil, nil)
	ask := func(from ServerID) Message {
		require.NoError(t, n.Step(Message{Type: MsgVote, From: from, To: "s1", Term: 2}))
		msgs := drain(n)
		require.Len(t, msgs, 1)
		return msgs[0]
	}
	require.False(t, ask("s2").Reject)
	require.True(t, ask("s3").Reject, "second candidate of the term")
	require.False(t, ask("s2").Reject, "a repeated request from the same candidate")
	require.Equal(t, ServerID("s2"), n.vote)
}

// §5.2: "If the AppendEntries RPC is from a leader whose term is at least as
// large as the candidate's current term, then the candidate recognizes the
// leader as legitimate and returns to follower state."
func TestCandidateYieldsToLeaderOfSameTerm(t *testing.T) {
	n := newTestNode(t, "s1", three, 1, nil, nil)
	n.Campaign()
	require.NoError(t, n.Step(Message{Type: MsgApp, From: "s2", To: "s1", Term: n.term}))
	require.Equal(t, Follower, n.role)
	require.Equal(t, ServerID("s2"), n.lead)
	require.Equal(t, uint64(2), n.term)
}

// §5.2: after a split vote "each candidate will time out and start a new
// election by incrementing its term".
func TestCandidateStartsNewTermAfterSplitVote(t *testing.T) {
	n := newTestNode(t, "s1", three, 1, nil, nil)
	n.Campaign()
	require.Equal(t, uint64(2), n.term)
	for range 2 * n.cfg.ElectionTicks {
		n.Tick()
	}
	require.Equal(t, Candidate, n.role)
	require.Equal(t, uint64(3), n.term)
}

// §5.2: leaders "send periodic heartbeats (AppendEntries RPCs that carry no
// log entries) to all followers in order to maintain their authority".
func TestLeaderSendsHeartbeatEveryHeartbeatTicks(t *testing.T) {
	n := newTestNode(t, "s1", three, 1, nil, nil)
	makeLeader(t, n)
	for range n.cfg.HeartbeatTicks - 1 {
		n.Tick()
	}
	require.Empty(t, ofType(drain(n), MsgHeartbeat))
	n.Tick()
	hb := ofType(drain(n), MsgHeartbeat)
	require.Len(t, hb, 2)
	require.Equal(t, ServerID("s2"), hb[0].To)
	require.Equal(t, ServerID("s3"), hb[1].To)
}

// §5.4.2 / §8: a new leader appends an entry of its own term (a no-op) so
// that it can commit the entries of earlier terms.
func TestNewLeaderAppendsNoopOfItsTerm(t *testing.T) {
	n := newTestNode(t, "s1", three, 1, []uint64{1, 1}, nil)
	makeLeader(t, n)
	last := n.log.entry(n.log.lastIndex())
	require.Equal(t, Entry{Index: 3, Term: 2, Type: EntryNoop}, last)
}

// Figure 2, AppendEntries receiver: "Reply false if log doesn't contain an
// entry at prevLogIndex whose term matches prevLogTerm" (§5.3); the reply
// carries a hint where to retry.
func TestFollowerRejectsAppendWithoutMatchingPrevEntry(t *testing.T) {
	tests := []struct {
		index, logTerm     uint64
		reject             bool
		hint, conflictTerm uint64
	}{
		{0, 0, false, 0, 0},
		{3, 2, false, 0, 0},
		{3, 3, true, 2, 2}, // index 3 holds term 2, which starts at 2
		{2, 1, true, 2, 2}, // index 2 holds term 2
		{4, 2, true, 4, 0}, // log too short: hint is last+1
		{1, 1, false, 0, 0},
	}
	for i, tt := range tests {
		n := newTestNode(t, "s1", three, 2, []uint64{1, 2, 2}, nil)
		require.NoError(t, n.Step(Message{Type: MsgApp, From: "s2", To: "s1", Term: 3, Index: tt.index, LogTerm: tt.logTerm}))
		msgs := drain(n)
		require.Len(t, msgs, 1)
		require.Equal(t, tt.reject, msgs[0].Reject, "case %d", i)
		if tt.reject {
			require.Equal(t, tt.hint, msgs[0].RejectHint, "case %d hint", i)
			require.Equal(t, tt.conflictTerm, msgs[0].LogTerm, "case %d conflict term", i)
		}
	}
}

// Figure 2, AppendEntries receiver: "If an existing entry conflicts with a
// new one (same index but different terms), delete the existing entry and
// all that follow it. Append any new entries not already in the log."
func TestFollowerReplacesConflictingSuffix(t *testing.T) {
	tests := []struct {
		index, logTerm uint64
		ents           []uint64 // terms of the new entries
		want           []uint64
	}{
		{0, 0, []uint64{3}, []uint64{3}},
		{1, 1, []uint64{3, 3}, []uint64{1, 3, 3}},
		{2, 2, []uint64{2}, []uint64{1, 2, 2}},    // already held: nothing changes
		{3, 2, []uint64{3}, []uint64{1, 2, 2, 3}}, // plain append
		{1, 1, []uint64{2}, []uint64{1, 2, 2}},    // a prefix of what is held: keep the rest
	}
	for i, tt := range tests {
		n := newTestNode(t, "s1", three, 3, []uint64{1, 2, 2}, nil)
		m := Message{Type: MsgApp, From: "s2", To: "s1", Term: 3, Index: tt.index, LogTerm: tt.logTerm}
		for k, et := range tt.ents {
			m.Entries = append(m.Entries, Entry{Index: tt.index + uint64(k) + 1, Term: et})
		}
		require.NoError(t, n.Step(m))
		require.Equal(t, tt.want, entryTerms(n), "case %d", i)
	}
}

// Figure 2, AppendEntries receiver: "If leaderCommit > commitIndex, set
// commitIndex = min(leaderCommit, index of last new entry)."
func TestFollowerCommitsUpToLeaderCommitAndLastNewEntry(t *testing.T) {
	n := newTestNode(t, "s1", three, 2, []uint64{1, 1, 2, 2, 2}, nil)
	require.NoError(t, n.Step(Message{Type: MsgApp, From: "s2", To: "s1", Term: 2, Index: 1, LogTerm: 1,
		Entries: []Entry{{Index: 2, Term: 1}}, Commit: 5}))
	require.Equal(t, uint64(2), n.log.committed, "only the new entry is known to match the leader")
	require.NoError(t, n.Step(Message{Type: MsgApp, From: "s2", To: "s1", Term: 2, Index: 4, LogTerm: 2, Commit: 4}))
	require.Equal(t, uint64(4), n.log.committed)
}

// §5.3: "A log entry is committed once the leader that created the entry
// has replicated it on a majority of the servers."
func TestLeaderCommitsOnceMajorityStoresEntry(t *testing.T) {
	for _, tt := range []struct {
		size, acks int
		commit     bool
	}{{1, 0, true}, {3, 0, false}, {3, 1, true}, {5, 1, false}, {5, 2, true}} {
		n := newTestNode(t, "s1", testIDs(tt.size), 1, nil, nil)
		makeLeader(t, n)
		idx, _, err := n.Propose([]byte("x"))
		require.NoError(t, err)
		drain(n)
		for _, id := range testIDs(tt.size)[1 : 1+tt.acks] {
			acceptAppend(t, n, id)
		}
		require.Equal(t, tt.commit, n.log.committed >= idx, "size %d acks %d", tt.size, tt.acks)
	}
}

// §5.3 with thesis §10.2.1: the leader may send before it persists, but it
// counts itself towards the majority only for entries it has persisted.
func TestLeaderCountsItselfOnlyAfterPersisting(t *testing.T) {
	n := newTestNode(t, "s1", three, 1, nil, nil)
	makeLeader(t, n)
	acceptAppend(t, n, "s2")
	drain(n)
	idx, _, err := n.Propose([]byte("x"))
	require.NoError(t, err)
	rd := n.Ready()
	require.NotEmpty(t, rd.EarlyMessages, "appends may leave before the leader's own write")
	acceptAppend(t, n, "s2")
	require.Less(t, n.log.committed, idx, "s2 alone is not a majority")
	n.Advance(rd)
	require.Equal(t, idx, n.log.committed)
}

// §5.4.1: "the voter denies its vote if its own log is more up-to-date than
// that of the candidate": compare last terms, then lengths.
func TestVoterRefusesCandidateWithLessUpToDateLog(t *testing.T) {
	for i, tt := range []struct {
		index, logTerm uint64
		grant          bool
	}{
		{3, 2, true}, {4, 2, true}, {2, 2, false}, {9, 1, false}, {1, 3, true},
	} {
		n := newTestNode(t, "s1", three, 2, []uint64{1, 2, 2}, nil)
		require.NoError(t, n.Step(Message{Type: MsgVote, From: "s2", To: "s1", Term: 3, Index: tt.index, LogTerm: tt.logTerm}))
		msgs := drain(n)
		require.Len(t, msgs, 1)
		require.Equal(t, tt.grant, !msgs[0].Reject, "case %d", i)
	}
}

// §5.4.2 (Figure 8): "Raft never commits log entries from previous terms by
// counting replicas." An old-term entry on a majority stays uncommitted
// until an entry of the current term commits.
func TestLeaderDoesNotCommitEarlierTermEntryByCounting(t *testing.T) {
	n := newTestNode(t, "s1", three, 2, []uint64{1, 2}, nil)
	makeLeader(t, n) // term 3, no-op at index 3
	require.NoError(t, n.Step(Message{Type: MsgAppResp, From: "s2", To: "s1", Term: 3, Index: 2}))
	require.Equal(t, uint64(0), n.log.committed, "index 2 (term 2) is on a majority but must not commit")
	require.NoError(t, n.Step(Message{Type: MsgAppResp, From: "s2", To: "s1", Term: 3, Index: 3}))
	require.Equal(t, uint64(3), n.log.committed, "committing the term-3 entry commits all before it")
}

// §5.4.3 (Leader Completeness, via Figure 7): a new leader brings every
// follower's log into agreement with its own, whatever the follower holds:
// missing entries, extra uncommitted entries, or both.
func TestLeaderRepairsEveryFollowerLogOfFigure7(t *testing.T) {
	leaderLog := []uint64{1, 1, 1, 4, 4, 5, 5, 6, 6, 6}
	followers := map[string][]uint64{
		"a": {1, 1, 1, 4, 4, 5, 5, 6, 6},
		"b": {1, 1, 1, 4},
		"c": {1, 1, 1, 4, 4, 5, 5, 6, 6, 6, 6},
		"d": {1, 1, 1, 4, 4, 5, 5, 6, 6, 6, 7, 7},
		"e": {1, 1, 1, 4, 4, 4, 4},
		"f": {1, 1, 1, 2, 2, 2, 3, 3, 3, 3, 3},
	}
	for _, name := range []string{"a", "b", "c", "d", "e", "f"} {
		t.Run(name, func(t *testing.T) {
			c := newLogCluster(t, 7, map[ServerID][]uint64{"s1": leaderLog, "s2": followers[name]})
			c.elect("s1")
			c.propose("s1", "x")
			require.Equal(t, entryTerms(c.servers["s1"].node), entryTerms(c.servers["s2"].node))
			require.Equal(t, c.servers["s1"].entries, c.servers["s2"].entries)
		})
	}
}

// newLogCluster builds three voters s1..s3 at the given term with the given
// logs (a missing server starts empty), PreVote and CheckQuorum off.
func newLogCluster(t testing.TB, term uint64, logs map[ServerID][]uint64) *cluster {
	c := newEmptyCluster(t, 1, func(cfg *Config) { cfg.PreVote, cfg.CheckQuorum = false, false })
	for _, id := range three {
		s := &testServer{id: id, hard: HardState{Term: term}, snap: SnapshotMeta{Config: votersConfig(three...)}}
		for i, lt := range logs[id] {
			s.entries = append(s.entries, Entry{Index: uint64(i + 1), Term: lt, Data: []byte{byte(i), byte(lt)}})
		}
		c.servers[id] = s
		c.ids = append(c.ids, id)
		c.start(s)
	}
	return c
}

// Figure 2, "Persistent state on all servers (updated on stable storage
// before responding to RPCs)": a granted vote is handed out together with
// the HardState recording it, and only among the messages sent after
// persisting.
func TestVoteIsPersistedBeforeItIsSent(t *testing.T) {
	n := newTestNode(t, "s1", three, 1, nil, nil)
	require.NoError(t, n.Step(Message{Type: MsgVote, From: "s2", To: "s1", Term: 2}))
	rd := n.Ready()
	require.Empty(t, rd.EarlyMessages)
	require.Len(t, rd.Messages, 1)
	require.False(t, rd.Messages[0].Reject)
	require.Equal(t, &HardState{Term: 2, Vote: "s2"}, rd.HardState)
	n.Advance(rd)
}

// Figure 2 again: a server restarted from its persisted state remembers its
// vote, so it cannot vote twice in one term.
func TestRestartedServerDoesNotVoteTwiceInATerm(t *testing.T) {
	n := newTestNode(t, "s1", three, 2, nil, func(c *Config) { c.HardState.Vote = "s2" })
	require.NoError(t, n.Step(Message{Type: MsgVote, From: "s3", To: "s1", Term: 2}))
	msgs := drain(n)
	require.Len(t, msgs, 1)
	require.True(t, msgs[0].Reject)
}

// Figure 2, AppendEntries: a follower acknowledges entries only after they
// are persisted: the entries and the acknowledgement come in one Ready,
// the acknowledgement among the messages sent after persisting.
func TestFollowerAcknowledgesOnlyPersistedEntries(t *testing.T) {
	n := newTestNode(t, "s1", three, 1, nil, nil)
	require.NoError(t, n.Step(Message{Type: MsgApp, From: "s2", To: "s1", Term: 1,
		Entries: []Entry{{Index: 1, Term: 1}, {Index: 2, Term: 1}}}))
	rd := n.Ready()
	require.Len(t, rd.Entries, 2)
	require.Empty(t, rd.EarlyMessages)
	require.Equal(t, []Message{{Type: MsgAppResp, From: "s1", To: "s2", Term: 1, Index: 2}}, rd.Messages)
	n.Advance(rd)
	require.False(t, n.HasReady())
}

// §5.3: "When sending an AppendEntries RPC, the leader includes the index
// and term of the entry in its log that immediately precedes the new
// entries", and its commit index.
func TestLeaderAppendCarriesPrecedingEntryAndCommit(t *testing.T) {
	n := newTestNode(t, "s1", three, 1, []uint64{1}, nil)
	makeLeader(t, n) // term 2, no-op at 2
	acceptAppend(t, n, "s2")
	drain(n)
	_, _, err := n.Propose([]byte("x"))
	require.NoError(t, err)
	apps := ofType(drain(n), MsgApp)
	require.Len(t, apps, 1, "s3 is still being probed")
	require.Equal(t, ServerID("s2"), apps[0].To)
	require.Equal(t, uint64(2), apps[0].Index)
	require.Equal(t, uint64(2), apps[0].LogTerm)
	require.Equal(t, uint64(2), apps[0].Commit)
	require.Equal(t, []Entry{{Index: 3, Term: 2, Type: EntryCommand, Data: []byte("x")}}, apps[0].Entries)
}

// §5.5: "Raft RPCs are idempotent": the same append delivered twice leaves
// the log as once and is acknowledged the same way.
func TestDuplicateAppendIsIdempotent(t *testing.T) {
	n := newTestNode(t, "s1", three, 1, nil, nil)
	m := Message{Type: MsgApp, From: "s2", To: "s1", Term: 1, Commit: 1,
		Entries: []Entry{{Index: 1, Term: 1, Data: []byte("a")}, {Index: 2, Term: 1, Data: []byte("b")}}}
	require.NoError(t, n.Step(m))
	first := drain(n)
	require.NoError(t, n.Step(m))
	require.Equal(t, first, drain(n))
	require.Equal(t, []uint64{1, 1}, entryTerms(n))
}

// Figure 3, Leader Append-Only: "a leader never overwrites or deletes
// entries in its log". A message claiming to be from another leader of the
// same term is impossible (Election Safety); a leader ignores it.
func TestLeaderNeverOverwritesItsLog(t *testing.T) {
	n := newTestNode(t, "s1", three, 1, []uint64{1, 1}, nil)
	makeLeader(t, n)
	before := entryTerms(n)
	require.NoError(t, n.Step(Message{Type: MsgApp, From: "s2", To: "s1", Term: n.term, Index: 1, LogTerm: 1,
		Entries: []Entry{{Index: 2, Term: n.term}}}))
	require.Equal(t, before, entryTerms(n))
	require.Equal(t, Leader, n.role)
}

// Thesis §10.2.1 lets a leader send appends before persisting its own log,
// but never before persisting the term it campaigned in: a single voter
// that elects itself within one Ready holds its appends to a learner back.
func TestEarlyAppendsWaitForUnpersistedTerm(t *testing.T) {
	n := newTestNode(t, "s1", nil, 1, nil, func(c *Config) {
		c.Snapshot.Config = Configuration{Servers: []Server{{ID: "s1"}, {ID: "s2", Suffrage: Learner}}}
	})
	n.Campaign()
	require.Equal(t, Leader, n.role)
	rd := n.Ready()
	require.Equal(t, uint64(2), rd.HardState.Term)
	require.Empty(t, rd.EarlyMessages)
	require.Len(t, ofType(rd.Messages, MsgApp), 1)
	n.Advance(rd)

	_, _, err := n.Propose([]byte("x"))
	require.NoError(t, err)
	rd = n.Ready()
	require.Len(t, ofType(rd.EarlyMessages, MsgApp), 0, "s2 is still being probed")
	n.Advance(rd)
	require.NoError(t, n.Step(Message{Type: MsgAppResp, From: "s2", To: "s1", Term: 2, Index: 1}))
	rd = n.Ready()
	require.NotEmpty(t, ofType(rd.EarlyMessages, MsgApp), "with the term persisted, appends may go early")
	require.Empty(t, rd.Messages)
	n.Advance(rd)
}
