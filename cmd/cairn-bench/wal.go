package main

import (
	"context"
	"fmt"
	"net/http"
	"time"
)

// The servers' metrics a write measurement reads before and after.
const (
	walSyncsMetric   = "consul_raft_wal_syncs_total"
	walEntriesMetric = "consul_raft_wal_entries_total"
	raftTermMetric   = "consul_raft_term"
)

// walSnapshot is the servers' Raft log counters at the start of a write
// run, the leader's first; ok is false when the leader's could not be
// read (an agent without them).
type walSnapshot struct {
	addrs  []string
	client *http.Client
	before []map[string]float64
	ok     bool
}

// walBefore reads the counters of every live server, the leader first (in
// a cluster we started), or of -addr.
func (b *bench) walBefore(ctx context.Context) *walSnapshot {
	w := &walSnapshot{addrs: []string{b.opts.addr}, client: &http.Client{Timeout: 5 * time.Second}}
	if b.cluster != nil {
		i, err := b.cluster.leader(ctx, time.Minute)
		if err != nil {
			return w
		}
		w.addrs = []string{b.cluster.servers[i].addrs.HTTP}
		for j, s := range b.cluster.servers {
			if j != i && s.alive() {
				w.addrs = append(w.addrs, s.addrs.HTTP)
			}
		}
	}
	for _, a := range w.addrs {
		v, _ := scrape(ctx, w.client, a, walSyncsMetric, walEntriesMetric, raftTermMetric)
		w.before = append(w.before, v)
	}
	w.ok = len(w.before[0]) == 3
	return w
}

// walFigures are what a write run did to the servers' logs.
type walFigures struct {
	// syncs and entries are the leader's fsyncs and appended entries over
	// the run; followerSyncs the most fsyncs of a follower, -1 if unknown;
	// termChanged reports an election during the run.
	syncs, entries float64
	followerSyncs  float64
	termChanged    bool
}

// after reads the counters again; ok is false if the leader's could not
// be read.
func (w *walSnapshot) after(ctx context.Context) (walFigures, bool) {
	if !w.ok {
		return walFigures{}, false
	}
	f := walFigures{followerSyncs: -1}
	for i, a := range w.addrs {
		v, err := scrape(ctx, w.client, a, walSyncsMetric, walEntriesMetric, raftTermMetric)
		if i == 0 && (err != nil || len(v) != 3) {
			return walFigures{}, false
		}
		if i == 0 {
			f.syncs = v[walSyncsMetric] - w.before[0][walSyncsMetric]
			f.entries = v[walEntriesMetric] - w.before[0][walEntriesMetric]
			f.termChanged = v[raftTermMetric] != w.before[0][raftTermMetric]
			continue
		}
		if err == nil && len(v) == 3 && len(w.before[i]) == 3 {
			f.followerSyncs = max(f.followerSyncs, v[walSyncsMetric]-w.before[i][walSyncsMetric])
		}
	}
	return f, true
}

// walReport is the key=value pairs of a write run's log figures: the
// leader's fsyncs, client writes and log entries per fsync, the busiest
// follower's fsyncs, and whether the term changed (a leader election)
// during the run.
func walReport(f walFigures, ok bool, writes int) []any {
	if !ok {
		return []any{"leader_fsyncs", "unknown", "writes_per_fsync", "unknown",
			"log_entries_per_fsync", "unknown", "follower_fsyncs", "unknown", "term_changed", "unknown"}
	}
	per := func(n float64) string {
		if f.syncs == 0 {
			return "unknown"
		}
		return fmt.Sprintf("%.2f", n/f.syncs)
	}
	follower := "unknown"
	if f.followerSyncs >= 0 {
		follower = fmt.Sprintf("%.0f", f.followerSyncs)
	}
	return []any{"leader_fsyncs", int64(f.syncs), "writes_per_fsync", per(float64(writes)),
		"log_entries_per_fsync", per(f.entries), "follower_fsyncs", follower, "term_changed", f.termChanged}
}
