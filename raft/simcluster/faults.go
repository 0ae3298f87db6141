package simcluster

import (
	"testing"
	"time"

	"github.com/cairn-sd/cairn/netsim"
)

// ApplySeedFaults draws the seed's fault plan, adapts it to a Raft group
// and schedules it from start to end: a wiped disk is left out (a server
// that forgot its vote and log must rejoin as a new member, which is the
// membership tests' subject), and bit flips go to one victim host only.
func (c *Cluster) ApplySeedFaults(t testing.TB, start, end time.Duration) netsim.FaultPlan {
	plan := c.sim.DrawFaults()
	plan.WipeDisk = 0
	flips := plan.FlipBitEvery > 0
	plan.FlipBitEvery = 0
	t.Logf("faults: %s flip-one-host=%t", plan, flips)
	c.sim.ApplyFaults(plan, start, end)
	if flips {
		c.ScheduleBitFlips(c.sim.Rand("flips"), start, end)
	}
	return plan
}
