package netsim

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"time"
)

// FaultPlan is one seed's fault settings. Drawing the settings per seed
// (swarm testing, as TigerBeetle's VOPR does) means that some seeds run
// with heavy loss and no crashes, others with many crashes and a perfect
// network, and so on: bugs that one fault masks are found by seeds where
// that fault is off. A zero FaultPlan injects nothing.
type FaultPlan struct {
	// Loss, Duplicate and Reorder are datagram probabilities applied to
	// every link during the fault phase.
	Loss      float64
	Duplicate float64
	Reorder   float64
	// PartitionEvery is the mean gap between network faults (a random
	// split, an isolated host, a bridged split, a one-way cut or a zone
	// cut); each lasts up to PartitionFor and ends with Heal. Zero: none.
	PartitionEvery time.Duration
	PartitionFor   time.Duration
	// CrashEvery is the mean gap between crashes of a random host; the
	// host restarts after up to DownFor, on an empty disk with
	// probability WipeDisk. Zero: no crashes.
	CrashEvery time.Duration
	DownFor    time.Duration
	WipeDisk   float64
	// TornWrite and FsyncMax set every host's DiskFaults.
	TornWrite float64
	FsyncMax  time.Duration
	// FlipBitEvery is the mean gap between bit flips in a random synced
	// file of a random host. Zero: none.
	FlipBitEvery time.Duration
	// ClockSkewMax and DriftPPMMax bound each host's clock skew and drift.
	ClockSkewMax time.Duration
	DriftPPMMax  int64
	// PauseEvery is the mean gap between pauses of a random host, each
	// lasting up to PauseFor. Zero: none.
	PauseEvery time.Duration
	PauseFor   time.Duration
}

// DrawFaults draws a fault plan from r: each kind of fault is switched on
// with probability one half, and its strength is drawn in a range that
// stresses a protocol without making progress impossible.
func DrawFaults(r *rand.Rand) FaultPlan {
	var p FaultPlan
	on := func() bool { return r.IntN(2) == 0 }
	ms := func(lo, hi int64) time.Duration { return time.Duration(between(r, lo, hi)) * time.Millisecond }
	if on() {
		p.Loss = float64(r.IntN(20)+1) / 100
	}
	if on() {
		p.Duplicate = float64(r.IntN(10)+1) / 100
	}
	if on() {
		p.Reorder = float64(r.IntN(20)+1) / 100
	}
	if on() {
		p.PartitionEvery, p.PartitionFor = ms(500, 5000), ms(100, 3000)
	}
	if on() {
		p.CrashEvery, p.DownFor = ms(1000, 10000), ms(100, 5000)
		if on() {
			p.WipeDisk = float64(r.IntN(30)+1) / 100
		}
	}
	if on() {
		p.TornWrite = float64(r.IntN(100)+1) / 100
	}
	if on() {
		p.FsyncMax = ms(1, 100)
	}
	if on() {
		p.FlipBitEvery = ms(1000, 20000)
	}
	if on() {
		p.ClockSkewMax, p.DriftPPMMax = ms(1, 2000), between(r, 1, 2000)
	}
	if on() {
		p.PauseEvery, p.PauseFor = ms(1000, 10000), ms(10, 2000)
	}
	return p
}

// DrawFaults draws this seed's fault plan from a stream of its own, so the
// plan does not depend on anything else the run draws.
func (s *Sim) DrawFaults() FaultPlan { return DrawFaults(newStream(s.seed, streamSwarm)) }

// String prints the plan on one line, naming only the faults that are on.
func (p FaultPlan) String() string {
	var parts []string
	add := func(on bool, format string, args ...any) {
		if on {
			parts = append(parts, fmt.Sprintf(format, args...))
		}
	}
	add(p.Loss > 0, "loss=%g", p.Loss)
	add(p.Duplicate > 0, "dup=%g", p.Duplicate)
	add(p.Reorder > 0, "reorder=%g", p.Reorder)
	add(p.PartitionEvery > 0, "partition-every=%v partition-for=%v", p.PartitionEvery, p.PartitionFor)
	add(p.CrashEvery > 0, "crash-every=%v down-for=%v wipe=%g", p.CrashEvery, p.DownFor, p.WipeDisk)
	add(p.TornWrite > 0, "torn=%g", p.TornWrite)
	add(p.FsyncMax > 0, "fsync-max=%v", p.FsyncMax)
	add(p.FlipBitEvery > 0, "flip-every=%v", p.FlipBitEvery)
	add(p.ClockSkewMax > 0, "skew-max=%v drift-max=%dppm", p.ClockSkewMax, p.DriftPPMMax)
	add(p.PauseEvery > 0, "pause-every=%v pause-for=%v", p.PauseEvery, p.PauseFor)
	if len(parts) == 0 {
		return "no faults"
	}
	return strings.Join(parts, " ")
}

// ApplyFaults runs the safety phase of a run: from start to end every
// fault of the plan is in force, at times drawn now from the fault stream.
// The plan's loss, duplication and reordering replace those of the LAN and
// WAN profiles meanwhile. At end the liveness phase begins: the profiles
// are restored, the network heals, disk faults stop, clocks stop drifting,
// and every host that is down restarts on its disk, so that a test can then
// require progress.
func (s *Sim) ApplyFaults(p FaultPlan, start, end time.Duration) {
	r := s.faultRand
	s.At(start, func() { s.startFaults(p) })
	s.scheduleNetworkFaults(p, int64(start), int64(end))
	s.scheduleCrashes(p, int64(start), int64(end))
	s.everyRandomHost(p.FlipBitEvery, int64(start), int64(end), func(h *host) { s.flipRandomFile(h) })
	s.everyRandomHost(p.PauseEvery, int64(start), int64(end), func(h *host) {
		s.Pause(h.name, time.Duration(between(r, 1, int64(p.PauseFor))))
	})
	s.At(end, s.endFaults)
}

// everyRandomHost schedules fn on a random host at random times between
// start and end, with a mean gap of every (none if every is zero).
func (s *Sim) everyRandomHost(every time.Duration, start, end int64, fn func(*host)) {
	r := s.faultRand
	for t := start; every > 0; {
		t += between(r, 1, 2*int64(every))
		if t >= end {
			return
		}
		h := s.hostList[r.IntN(len(s.hostList))]
		s.At(time.Duration(t), func() { fn(h) })
	}
}

func (s *Sim) startFaults(p FaultPlan) {
	s.baseLinks = [2]LinkProfile{s.opts.LAN, s.opts.WAN}
	for _, lp := range []*LinkProfile{&s.opts.LAN, &s.opts.WAN} {
		lp.Loss, lp.Duplicate, lp.Reorder = p.Loss, p.Duplicate, p.Reorder
	}
	r := s.faultRand
	for _, h := range s.hostList {
		if p.TornWrite > 0 || p.FsyncMax > 0 {
			s.SetDiskFaults(h.name, DiskFaults{TornWrite: p.TornWrite, FsyncMax: p.FsyncMax})
		}
		if p.ClockSkewMax > 0 {
			skew := between(r, -int64(p.ClockSkewMax), int64(p.ClockSkewMax))
			s.SetClock(h.name, time.Duration(skew), between(r, -p.DriftPPMMax, p.DriftPPMMax))
		}
	}
}

func (s *Sim) endFaults() {
	s.opts.LAN, s.opts.WAN = s.baseLinks[0], s.baseLinks[1]
	s.Heal()
	for _, h := range s.hostList {
		if h.diskFault != (DiskFaults{}) {
			s.SetDiskFaults(h.name, DiskFaults{})
		}
		if h.clock.driftPPM != 0 {
			s.SetClock(h.name, time.Duration(h.clock.local(s.now)-s.now), 0)
		}
		if h.env == nil {
			s.Restart(h.name, true)
		}
	}
}

// scheduleNetworkFaults places one network fault after another, each
// healed before the next begins.
func (s *Sim) scheduleNetworkFaults(p FaultPlan, start, end int64) {
	r := s.faultRand
	for t := start; p.PartitionEvery > 0 && len(s.hostList) > 1; {
		t += between(r, 1, 2*int64(p.PartitionEvery))
		if t >= end {
			return
		}
		apply := s.drawNetworkFault(r)
		s.At(time.Duration(t), apply)
		t += between(r, 1, int64(p.PartitionFor))
		s.At(time.Duration(min(t, end)), s.Heal)
	}
}

// drawNetworkFault picks one network fault and its victims.
func (s *Sim) drawNetworkFault(r *rand.Rand) func() {
	names := s.Hosts()
	perm := r.Perm(len(names))
	pick := func(i int) string { return names[perm[i]] }
	zones := s.zones()
	kind := r.IntN(5)
	if kind == 4 && len(zones) < 2 {
		kind = 0
	}
	switch kind {
	case 0, 2:
		split := 1 + r.IntN(len(names)-1)
		a, b := make([]string, 0, split), make([]string, 0, len(names)-split)
		for i := range names {
			if i < split {
				a = append(a, pick(i))
			} else {
				b = append(b, pick(i))
			}
		}
		slices.Sort(a)
		slices.Sort(b)
		if kind == 2 {
			bridge := pick(0)
			return func() { s.Partition(a, b); s.Bridge(bridge) }
		}
		return func() { s.Partition(a, b) }
	case 1:
		victim := pick(0)
		return func() { s.Isolate(victim) }
	case 3:
		from, to := pick(0), pick(1)
		return func() { s.Cut(from, to) }
	default:
		i := r.IntN(len(zones))
		j := (i + 1 + r.IntN(len(zones)-1)) % len(zones)
		return func() { s.CutZones(zones[i], zones[j]) }
	}
}

// zones lists the zones of the hosts, sorted.
func (s *Sim) zones() []string {
	var zs []string
	for _, h := range s.hostList {
		if !slices.Contains(zs, h.zone) {
			zs = append(zs, h.zone)
		}
	}
	slices.Sort(zs)
	return zs
}

// scheduleCrashes places crashes of random hosts, each followed by a
// restart.
func (s *Sim) scheduleCrashes(p FaultPlan, start, end int64) {
	r := s.faultRand
	for t := start; p.CrashEvery > 0; {
		t += between(r, 1, 2*int64(p.CrashEvery))
		if t >= end {
			return
		}
		name := s.hostList[r.IntN(len(s.hostList))].name
		keep := !chance(r, p.WipeDisk)
		up := min(t+between(r, 1, int64(p.DownFor)), end)
		s.At(time.Duration(t), func() { s.Crash(name) })
		s.At(time.Duration(up), func() {
			if !s.Up(name) {
				s.Restart(name, keep)
			}
		})
	}
}

// flipRandomFile flips a bit in a random file of h with synced content,
// if it has one.
func (s *Sim) flipRandomFile(h *host) {
	var names []string
	for n, ino := range h.disk.files {
		if len(ino.durable) > 0 {
			names = append(names, n)
		}
	}
	if len(names) == 0 {
		return
	}
	slices.Sort(names)
	if err := s.FlipBit(h.name, names[s.faultRand.IntN(len(names))]); err != nil {
		panic(fmt.Sprintf("netsim: flip a bit in a synced file: %v", err))
	}
}
