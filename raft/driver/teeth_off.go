//go:build !cairn_teeth

package driver

// Broken variants of the driver exist only in builds with the cairn_teeth
// tag, where raft/simcluster's teeth tests use them to prove that the simulation's
// checkers catch real bugs. In every other build these constants are false
// and the compiler removes the code they guard.
const (
	// teethSendBeforeSync sends acknowledgements before the fsync, so a
	// crash can lose entries a quorum was counted for.
	teethSendBeforeSync = false
)
