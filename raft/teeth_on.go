//go:build cairn_teeth

package raft

// teethCommitWithoutQuorum is the broken variant of teeth_off.go,
// switched on by SetTeeth.
var teethCommitWithoutQuorum bool

// SetTeeth switches the broken variant on or off. It exists only in builds
// with the cairn_teeth tag.
func SetTeeth(commitWithoutQuorum bool) { teethCommitWithoutQuorum = commitWithoutQuorum }
