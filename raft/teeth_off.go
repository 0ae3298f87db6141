//go:build !cairn_teeth

package raft

// Broken variants of the core exist only in builds with the cairn_teeth
// tag, where raft/simcluster's teeth tests use them to prove that the
// simulation's checkers catch real bugs. In every other build this
// constant is false and the compiler removes the code it guards.
const (
	// teethCommitWithoutQuorum lets a leader commit an entry as soon as
	// any one voter (itself) stores it, instead of a majority.
	teethCommitWithoutQuorum = false
)
