// Package raft is cairn's consensus core: the Raft algorithm (Ongaro and
// Ousterhout, "In Search of an Understandable Consensus Algorithm", 2014, and
// Ongaro's 2014 thesis "Consensus: Bridging Theory and Practice") written as
// a deterministic state machine.
//
// # The idea
//
// A Raft group keeps one log replicated on a few servers. One server, the
// leader, accepts new entries, sends them to the others and declares an entry
// committed once a majority stores it; every server applies committed
// entries to its state machine in log order. If the leader fails, a server
// whose election timer expires asks for votes, and a server that gathers a
// majority becomes the new leader of a new term. The rules that make this
// safe (one vote per term, votes only for up-to-date logs, commit only by
// counting entries of the current term) are in the files listed below.
//
// This package holds the protocol only. It reads no clock, starts no
// goroutine, touches no disk or socket and draws randomness only from
// Config.Rand. Its inputs are Tick (logical time), Step (a message from a
// peer) and the local requests Propose, ProposeConfig, ReadIndex,
// TransferLeadership, Bootstrap and Compact; its outputs are collected in a
// Ready. The same inputs always give the same outputs, so a simulator can
// replay any run from its seed. raft/driver runs a Node over an Env; raft/wal
// stores what Ready says to persist.
//
// # The caller's contract
//
// The driver owns one Node and calls it from one place. It calls Tick every
// tick, Step for every message received, and then, while HasReady is true:
//
//	rd := node.Ready()
//	send rd.EarlyMessages            // may go before or during the writes below
//	persist rd.Snapshot (if set), rd.HardState (if set), rd.Entries; fsync
//	send rd.Messages                 // only after the fsync
//	apply rd.CommittedEntries        // in order; restore from rd.Snapshot first
//	answer rd.ReadStates, rd.DroppedProposals, rd.DroppedReads
//	node.Advance(rd)
//
// Persisting before sending is what makes a vote or an acknowledgement a
// promise that survives a crash (Raft Figure 2, "updated on stable storage
// before responding to RPCs"). EarlyMessages are a leader's appends,
// heartbeats and snapshot offers: they depend on nothing unpersisted, because
// a leader may write its own log in parallel with sending it (thesis
// §10.2.1); the leader counts itself towards a commit quorum only for
// entries Advance reported persisted. When the term or vote in rd.HardState
// changed, every message is in rd.Messages.
//
// Entries in rd.Entries whose index is at or below the last persisted index
// replace that entry and all after it. rd.CommittedEntries of type
// EntryNoop and EntryConfig carry nothing for the state machine.
//
// Applying may also come before persisting, in parallel with the fsync:
// an entry is committed only once a quorum has it on stable storage, so
// nothing about it waits for this server's disk (raft/driver does this).
//
// Proposals: Propose returns the (index, term) the entry will have. The
// proposal succeeded when an entry with that index and term appears in
// CommittedEntries; it failed if the index commits with another term, or if
// it is listed in DroppedProposals (ErrLeadershipLost: this leader stepped
// down first; a later leader may still commit it, so the outcome is
// unknown). On a follower Propose returns ErrNotLeader and Leader() names
// the server to forward to. A leader sends its proposals in the next Ready:
// all the proposals since the last one travel in one append per follower,
// so a batch of proposals costs one append and one acknowledgement per
// follower, not one each.
//
// Snapshots: after saving a snapshot of the state machine at applied index
// i (SnapshotMetaAt(i) gives its term and configuration), the driver calls
// Compact(k, meta) with k <= i to drop log entries up to k. A follower that
// needs a dropped entry is sent MsgSnap (in EarlyMessages) carrying only the
// SnapshotMeta. The leader's driver streams the snapshot data to the
// follower's driver, which, once it holds all of it, steps the same MsgSnap
// (with the meta of the data actually sent) into its core. The follower core
// then either finds the snapshot's last entry in its log and just commits
// it, or sets rd.Snapshot: the driver installs the received data as its
// snapshot, restores the state machine from it and truncates its log. If
// several MsgSnap were stepped since the last Ready, rd.Snapshot names the
// one installed, so the driver keeps received data by its SnapshotMeta.
// Either way the core answers with MsgAppResp. The leader's driver reports
// the end of every transfer with ReportSnapshot(to, ok); after a failure the
// leader retries.
//
// Lost messages: Raft tolerates them; a driver whose stream to a follower
// broke may call ReportUnreachable(id) so the leader resends at once.
//
// Reads: ReadIndex(ctx) on the leader yields a ReadState{Index, ctx} once a
// heartbeat round confirmed the leadership; the driver serves the read after
// applying up to Index (thesis §6.4).
//
// Bootstrap: a fresh server has no configuration and never campaigns. When
// the agent has found bootstrap_expect servers it calls Bootstrap with the
// same configuration on each of them; a server added later learns the
// configuration from the leader.
//
// # Timing
//
// Time is counted in ticks. The defaults (DefaultConfig) at
// performance.raft_multiplier 1 are:
//
//	tick               50 ms of driver time (DefaultTickInterval)
//	heartbeat          2 ticks    = 100 ms
//	election timeout   10 ticks   = 500 ms base, drawn from [500, 1000) ms
//
// A follower notices a dead leader after 500 to 1000 ms and an election
// takes a round trip or two more. Measured (BENCHMARKS.md): over 3,000
// simulated crashes of the leader of 3 the leaderless gap has a median of
// 585 ms and a 99th percentile of 900 ms; on loopback TCP, a median of
// 651 ms and a worst case of 906 ms over 20 kills. A follower that grants
// a pre-vote restarts its election timer, so that it does not split the
// vote of the candidate it endorsed; leader stickiness is therefore
// counted from the last leader contact, not from the election timer. raft/driver
// multiplies the election and heartbeat ticks by raft_multiplier.
//
// # Membership changes
//
// Servers are added and removed one at a time (thesis §4.1), not through
// joint consensus (§4.3): any two majorities of configurations that differ
// by one server overlap, so each change is safe on its own, with no
// intermediate joint configuration to implement and test. The price is
// that replacing a server takes two changes, which is how operators and
// autopilot work anyway. A leader only proposes a change once an entry of
// its own term has committed and no other change is uncommitted (the fix
// to the single-server algorithm published after the thesis). New servers
// join as learners and are promoted once caught up, so that adding a slow
// server never costs the group its quorum.
//
// # Files and the paper
//
//	raft.go          Node, roles, Step dispatch, term rules (Figure 2 "all servers")
//	election.go      leader election and voting (§5.2, §5.4.1), pre-vote (thesis §9.6)
//	replication.go   AppendEntries, fast log repair (§5.3), commit rule (§5.4.2), check-quorum (thesis §6.2)
//	log.go           the in-memory log and its indexes (§5.3, Log Matching)
//	progress.go      per-follower nextIndex/matchIndex with probe, pipelining and snapshot states
//	quorum.go        majorities for votes and commits (§5.2, §5.4)
//	membership.go    single-server membership changes (thesis §4.1, §4.2)
//	readindex.go     linearizable reads without log writes (thesis §6.4)
//	transfer.go      leadership transfer (thesis §3.10)
//	snapshot.go      log compaction and InstallSnapshot (§7)
//	ready.go         the Ready/Advance hand-off with the driver
//	status.go        state for operators and tests
//	message.go       message types and validation of network input
//	codec.go         versioned binary encodings of Message and Configuration
//	config.go        Config, defaults and recovered-state checks
//	errors.go        sentinel errors at the API edge
//
// design.md draws the role and follower-progress state diagrams.
//
// # Tests
//
// raft_paper_test.go holds one test per claim of the paper, named for the
// claim. testdata/*.txt are readable scenario scripts (election, transfer and
// read, check-quorum) run by script_test.go; -raft.rewrite regenerates their
// expected output. scenario_test.go drives an in-memory cluster
// (harness_test.go) through failures, and random_test.go runs seeded
// histories with loss, delay, duplication, partitions, crashes, compaction,
// membership changes and transfers, checking Election Safety, Leader
// Completeness, State Machine Safety, Log Matching and read linearizability,
// then liveness once healed (-raft.seeds=N sets the number of seeds).
package raft
