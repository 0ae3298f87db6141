package raft

import "slices"

// voters returns the IDs of the voting servers of c, in ID order.
func voters(c Configuration) []ServerID {
	var ids []ServerID
	for _, s := range c.Servers {
		if s.Suffrage == Voter {
			ids = append(ids, s.ID)
		}
	}
	return ids
}

// quorumSize is the number of votes that make a majority of n voters.
func quorumSize(n int) int { return n/2 + 1 }

// voteResult is the outcome of a vote count so far.
type voteResult uint8

const (
	votePending voteResult = iota
	voteWon
	voteLost
)

// tallyVotes counts the granted and refused votes among ids.
func tallyVotes(ids []ServerID, votes map[ServerID]bool) voteResult {
	granted, refused := 0, 0
	for _, id := range ids {
		v, ok := votes[id]
		switch {
		case !ok:
		case v:
			granted++
		default:
			refused++
		}
	}
	q := quorumSize(len(ids))
	switch {
	case granted >= q:
		return voteWon
	case refused > len(ids)-q:
		return voteLost
	}
	return votePending
}

// quorumIndex returns the largest index that a majority of the values in
// match (one per voter) have reached (Raft §5.3 and §5.4: "a majority of
// matchIndex[i] ≥ N").
func quorumIndex(match []uint64) uint64 {
	if len(match) == 0 {
		return 0
	}
	sorted := slices.Clone(match)
	slices.Sort(sorted)
	return sorted[len(sorted)-quorumSize(len(sorted))]
}
