package netsim

import (
	"fmt"
	"strings"
	"time"
)

// Every fault method below acts at once, at the current virtual time, and
// adds a trace record. To place a fault at a chosen time, schedule it:
//
//	sim.At(3*time.Second, func() { sim.Isolate("s1") })
//
// Network faults combine: a host can reach another unless one of them is
// isolated, they are in different partition groups and neither is a
// bridge, the direction is cut, or their zones are cut apart. Heal removes
// every network fault at once. A network fault breaks every stream whose
// path it cuts, in either direction (see stream.go for when each end hears
// of it); datagrams already in flight on a cut path are dropped on arrival.

// Partition splits the hosts into groups that cannot reach each other
// (symmetric). Hosts named in no group form one more group together.
func (s *Sim) Partition(groups ...[]string) {
	for _, h := range s.hostList {
		h.group = 0
	}
	desc := make([]string, len(groups))
	for i, g := range groups {
		for _, name := range g {
			s.mustHost(name).group = i + 1
		}
		desc[i] = "[" + strings.Join(g, " ") + "]"
	}
	s.fault("", "partition "+strings.Join(desc, " "))
}

// Isolate cuts a host off from every other host, both ways.
func (s *Sim) Isolate(name string) {
	s.mustHost(name).isolated = true
	s.fault(name, "isolate")
}

// Bridge lets a host reach, and be reached from, every partition group: it
// is connected to both sides of a partition while the sides are not
// connected to each other. Isolate and Cut still apply to it.
func (s *Sim) Bridge(name string) {
	s.mustHost(name).bridge = true
	s.fault(name, "bridge")
}

// Cut drops everything sent from one host to another, in that direction
// only (an asymmetric partition).
func (s *Sim) Cut(from, to string) {
	a, b := s.mustHost(from), s.mustHost(to)
	p := &s.partition
	if p.cuts == nil {
		p.cuts = make(map[uint64]struct{})
	}
	p.cuts[uint64(a.index)<<32|uint64(b.index)] = struct{}{}
	s.fault("", "cut "+from+" -> "+to)
}

// CutZones cuts every link between two zones (datacenters), both ways,
// while links inside each zone keep working: a WAN cut.
func (s *Sim) CutZones(a, b string) {
	p := &s.partition
	if p.zoneCuts == nil {
		p.zoneCuts = make(map[[2]string]struct{})
	}
	p.zoneCuts[[2]string{a, b}] = struct{}{}
	p.zoneCuts[[2]string{b, a}] = struct{}{}
	s.fault("", "cut zones "+a+" <-> "+b)
}

// Heal removes every network fault: partitions, isolation, bridges, cuts.
// Streams broken by the faults stay broken; nodes dial again.
func (s *Sim) Heal() {
	for _, h := range s.hostList {
		h.group, h.isolated, h.bridge = 0, false, false
	}
	s.partition = partition{}
	s.trace.record(trFault, s.now, "", "", "", "heal", nil)
}

// fault records a network fault and breaks the streams it cuts.
func (s *Sim) fault(host, desc string) {
	s.partition.active = true
	s.trace.record(trFault, s.now, host, "", "", desc, nil)
	s.breakStreams(func(st *stream) bool {
		return !s.reachable(st.src, st.dst) || !s.reachable(st.dst, st.src)
	})
}

// Crash stops a host: its callbacks are never called again, its timers,
// sockets and listeners vanish, its streams break, and its disk loses what
// was not synced (with the torn-write fault, part of the last write may
// survive). Crashing a host that is down does nothing.
func (s *Sim) Crash(name string) {
	h := s.mustHost(name)
	if h.env == nil {
		return
	}
	h.env.dead = true
	h.env = nil
	h.busyUntil = 0
	s.trace.record(trCrash, s.now, name, "", "", "", nil)
	s.breakStreams(func(st *stream) bool { return st.src == h || st.dst == h })
	h.disk.crash()
}

// Restart boots a host again (crashing it first if it is up). With
// keepDisk it boots on what survived on its disk; without, on an empty
// disk, as a replacement machine with the same name would. The boot runs
// as an event at the current time.
func (s *Sim) Restart(name string, keepDisk bool) {
	h := s.mustHost(name)
	s.Crash(name)
	note := "restart"
	if !keepDisk {
		h.disk = newDisk(h)
		note = "restart wiped"
	}
	s.trace.record(trFault, s.now, name, "", "", note, nil)
	s.scheduleBoot(h)
}

// Pause stops a host for d, as a long garbage-collection pause or a
// stopped VM would: nothing it is sent is lost, but none of its callbacks
// run until the pause ends, and then they run late. Its clock keeps going.
func (s *Sim) Pause(name string, d time.Duration) {
	h := s.mustHost(name)
	h.busyUntil = max(h.busyUntil, s.now+int64(d))
	s.trace.record(trFault, s.now, name, "", "", "pause "+d.String(), nil)
}

// SetClock steps a host's clock to read true time plus skew, and makes it
// run driftPPM parts per million fast (negative: slow) from now on. Timers
// already set keep their deadlines; new ones follow the new rate. The
// clock survives crashes. It panics if |driftPPM| is 500,000 or more.
func (s *Sim) SetClock(name string, skew time.Duration, driftPPM int64) {
	if driftPPM <= -maxDriftPPM || driftPPM >= maxDriftPPM {
		panic(fmt.Sprintf("netsim: drift %d ppm out of range", driftPPM))
	}
	h := s.mustHost(name)
	h.clock.set(s.now, int64(skew), driftPPM)
	s.trace.record(trFault, s.now, name, "", "", fmt.Sprintf("clock skew=%v drift=%dppm", skew, driftPPM), nil)
}

// LocalTime is a host's local clock reading, as its Env.Now would return.
func (s *Sim) LocalTime(name string) time.Time {
	h := s.mustHost(name)
	return Epoch.Add(time.Duration(h.clock.local(h.nodeNow())))
}
