package raft

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestProgressPausesByState(t *testing.T) {
	p := &progress{next: 5, match: 4}
	require.False(t, p.paused(2))
	p.sentEntries(5, 1)
	require.True(t, p.paused(2), "a probe waits for its answer")

	p.becomeReplicate()
	p.sentEntries(6, 2)
	require.False(t, p.paused(2))
	p.sentEntries(8, 2)
	require.True(t, p.paused(2), "window of 2 full")
	require.Equal(t, uint64(9), p.next, "replication advances next optimistically")
	p.maybeUpdate(6)
	require.False(t, p.paused(2), "an acknowledgement frees the window")

	p.becomeSnapshot(100)
	require.True(t, p.paused(2))
}

func TestProgressIgnoresStaleRejections(t *testing.T) {
	tests := []struct {
		name           string
		state          ProgressState
		match, next    uint64
		rejected, hint uint64
		current        bool
		wantNext       uint64
		wantState      ProgressState
	}{
		{"probe, current", StateProbe, 0, 10, 9, 4, true, 4, StateProbe},
		{"probe, hint below match", StateProbe, 5, 10, 9, 2, true, 6, StateProbe},
		{"probe, hint above rejected", StateProbe, 0, 10, 9, 50, true, 9, StateProbe},
		{"probe, stale", StateProbe, 0, 10, 7, 4, false, 10, StateProbe},
		{"replicate, current", StateReplicate, 5, 20, 12, 3, true, 6, StateProbe},
		{"replicate, stale", StateReplicate, 5, 20, 5, 3, false, 20, StateReplicate},
	}
	for _, tt := range tests {
		p := &progress{state: tt.state, match: tt.match, next: tt.next}
		require.Equal(t, tt.current, p.maybeDecrTo(tt.rejected, tt.hint), tt.name)
		require.Equal(t, tt.wantNext, p.next, tt.name)
		require.Equal(t, tt.wantState, p.state, tt.name)
	}
}

func TestQuorumIndexIsMajorityMinimum(t *testing.T) {
	for _, tt := range []struct {
		match []uint64
		want  uint64
	}{
		{nil, 0}, {[]uint64{7}, 7}, {[]uint64{1, 2}, 1}, {[]uint64{5, 1, 3}, 3},
		{[]uint64{9, 9, 1, 1}, 1}, {[]uint64{4, 8, 2, 6, 10}, 6},
	} {
		require.Equal(t, tt.want, quorumIndex(tt.match), "%v", tt.match)
	}
}

func TestTallyVotesDecidesOnlyWithMajority(t *testing.T) {
	ids := testIDs(4)
	for _, tt := range []struct {
		votes map[ServerID]bool
		want  voteResult
	}{
		{map[ServerID]bool{}, votePending},
		{map[ServerID]bool{"s1": true, "s2": true}, votePending},
		{map[ServerID]bool{"s1": true, "s2": true, "s3": true}, voteWon},
		{map[ServerID]bool{"s1": false, "s2": false}, voteLost},
		{map[ServerID]bool{"s1": false, "s9": true, "s8": true}, votePending},
	} {
		require.Equal(t, tt.want, tallyVotes(ids, tt.votes), "%v", tt.votes)
	}
}
