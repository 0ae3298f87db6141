//go:build cairn_teeth

package simcluster

import (
	"testing"

	"github.com/cairn-sd/cairn/raft"
	"github.com/cairn-sd/cairn/raft/driver"
)

// These tests prove that the simulation's checkers have teeth: with a
// deliberately broken driver, some seed of the normal range must fail.
// Run them with: go test -tags cairn_teeth -run TestCheckersCatch ./raft/simcluster

// catches runs seeds until one reports a violation, and fails if none does.
func catches(t *testing.T, seeds uint64) {
	for seed := uint64(1); seed <= seeds; seed++ {
		var err error
		t.Run("", func(t *testing.T) { err = runSimulation(t, seed, 3) })
		if err != nil {
			t.Logf("seed %d caught it: %v", seed, err)
			return
		}
	}
	t.Fatalf("no seed of 1-%d caught the broken variant", seeds)
}

func TestCheckersCatchAcknowledgementBeforeFsync(t *testing.T) {
	driver.SetTeeth(true)
	defer driver.SetTeeth(false)
	catches(t, 500)
}

func TestCheckersCatchCommitWithoutQuorum(t *testing.T) {
	raft.SetTeeth(true)
	defer raft.SetTeeth(false)
	catches(t, 500)
}
