package main

import (
	"math"
	"slices"
	"time"
)

// crashResult is what the pool saw of one crash: when the first member
// declared the victim failed, and when 99% and 100% of the others had.
type crashResult struct {
	first, p99, all time.Duration
	complete        bool
}

// crashOne crashes a random live member other than the join seed, runs
// until every other member has declared it failed (or limit passes), then
// restarts it on a wiped disk and lets the pool take it back.
func (p *pool) crashOne(limit time.Duration) crashResult {
	r := p.sim.Workload()
	victim := p.names[1+r.IntN(len(p.names)-1)]
	crashedAt := p.sim.Now()
	p.sim.Crash(victim)
	from := len(p.failures)
	observers := len(p.names) - 1
	seen := map[string]bool{}
	var times []time.Duration
	for p.sim.Now()-crashedAt < limit && len(times) < observers {
		p.run(time.Second)
		for _, f := range p.failures[from:] {
			if f.node == victim && !seen[f.observer] {
				seen[f.observer] = true
				times = append(times, f.at-crashedAt)
			}
		}
		from = len(p.failures)
	}
	var res crashResult
	slices.Sort(times)
	if len(times) > 0 {
		res.first = times[0]
	}
	need99 := int(math.Ceil(0.99 * float64(observers)))
	if len(times) >= need99 {
		res.p99 = times[need99-1]
	}
	if len(times) == observers {
		res.all, res.complete = times[observers-1], true
	}
	p.sim.Restart(victim, false)
	p.converge(5 * time.Minute)
	return res
}

// falsePositives runs the pool for d and counts failure declarations; no
// member crashes, so each is false. distinct counts (member, incarnation)
// pairs declared failed by anyone, events counts every observer's event.
func (p *pool) falsePositives(d time.Duration) (distinct, events int) {
	from := len(p.failures)
	p.run(d)
	type key struct {
		node        string
		incarnation uint32
	}
	keys := map[key]bool{}
	for _, f := range p.failures[from:] {
		keys[key{f.node, f.incarnation}] = true
	}
	return len(keys), len(p.failures) - from
}

// percentile returns the q-quantile (0..1) of sorted durations, nearest
// rank.
func percentile(sorted []time.Duration, q float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(math.Ceil(q*float64(len(sorted)))) - 1
	return sorted[max(0, i)]
}
