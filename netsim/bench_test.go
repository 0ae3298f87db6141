package netsim_test

import (
	"syscall"
	"testing"
	"time"

	"github.com/cairn-sd/cairn/netsim"
)

// BenchmarkSimulator1000Nodes measures simulator speed: 1,000 ping nodes
// in two zones, each pinging a random peer and streaming to its successor
// about every 100 ms. One benchmark op is one event; events/s is the
// figure to watch (target: at least one million).
func BenchmarkSimulator1000Nodes(b *testing.B) {
	sim := netsim.New(1, netsim.Options{})
	names := hostNames(1000)
	for i, name := range names {
		zone := "dc1"
		if i%2 == 1 {
			zone = "dc2"
		}
		sim.AddHost(name, zone, bootPing(names, 100*time.Millisecond, nil))
	}
	sim.RunFor(time.Second) // boot and connect
	b.ReportAllocs()
	b.ResetTimer()
	start, simStart, cpuStart := sim.Events(), sim.Now(), cpuSeconds()
	for sim.Events()-start < uint64(b.N) && sim.Step() {
	}
	wall := b.Elapsed().Seconds()
	events := float64(sim.Events() - start)
	b.ReportMetric(events/wall, "events/s")
	b.ReportMetric(events/(cpuSeconds()-cpuStart), "events/cpu-s")
	b.ReportMetric((sim.Now()-simStart).Seconds()/wall, "sim-s/s")
}

// cpuSeconds is the process's user and system CPU time. Reported next to
// wall-clock rates, it shows the simulator's speed on a machine shared with
// other work.
func cpuSeconds() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return float64(ru.Utime.Nano()+ru.Stime.Nano()) / 1e9
}
