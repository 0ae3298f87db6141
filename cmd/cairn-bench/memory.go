package main

import (
	"context"
	"time"
)

// sampleRSS records, every 200 ms until ctx ends, the highest RSS of
// every agent this program started.
func (b *bench) sampleRSS(ctx context.Context) {
	if b.cluster == nil {
		return
	}
	tick := time.NewTicker(200 * time.Millisecond)
	defer tick.Stop()
	for {
		b.peakMu.Lock()
		for _, p := range b.cluster.agents() {
			b.peak[p.name] = max(b.peak[p.name], p.rss())
		}
		b.peakMu.Unlock()
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// memory reports the CPU every process used while the cluster idled, and
// each agent's RSS: idle (after start, before any load),
// the peak sampled under the throughput measurements run before it, and
// now. It needs agents this program started.
func (b *bench) memory() error {
	if b.cluster == nil {
		b.report("memory", "agent", "target", "idle_mib", "unknown", "loaded_peak_mib", "unknown", "now_mib", "unknown")
		return nil
	}
	b.report("idle-cpu", "seconds", settleTime.Seconds(), "cpu", b.cluster.idleCPU)
	b.peakMu.Lock()
	defer b.peakMu.Unlock()
	for _, p := range b.cluster.agents() {
		role := "server"
		if p == b.cluster.client {
			role = "client"
		}
		b.report("memory", "agent", p.name, "role", role, "idle_mib", mib(b.cluster.idle[p.name]),
			"loaded_peak_mib", mib(b.peak[p.name]), "now_mib", mib(p.rss()))
	}
	return nil
}
