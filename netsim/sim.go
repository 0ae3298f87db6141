package netsim

import (
	"fmt"
	"io"
	"math/rand/v2"
	"time"

	"go.uber.org/zap"
)

// Options configure a simulation. The zero value is a valid configuration:
// LAN and WAN links with the default profiles and no faults, no logging and
// no printed trace.
type Options struct {
	// LAN is the profile of links between hosts of the same zone; the zero
	// value means LANProfile().
	LAN LinkProfile
	// WAN is the profile of links between zones; the zero value means
	// WANProfile().
	WAN LinkProfile
	// Logger, if set, is the base of every node's logger; each node's copy
	// stamps the node's virtual local time and carries a "host" field.
	Logger *zap.Logger
	// TraceWriter, if set, receives one line of text per trace record.
	TraceWriter io.Writer
}

// Sim is one deterministic simulation run: virtual time, an event queue,
// hosts, the network between them and the faults applied to both. All of
// its methods must be called from one goroutine (the test's), and from no
// goroutine while Step, RunFor or RunUntil is running except from inside
// the callbacks they make.
type Sim struct {
	seed uint64
	opts Options
	now  int64

	queue  eventQueue
	events uint64
	// stoppedTimers counts stopped timers still in the queue; when they
	// are most of it, they are purged.
	stoppedTimers int

	hosts    map[string]*host
	hostList []*host

	netRand      *rand.Rand
	faultRand    *rand.Rand
	workloadRand *rand.Rand
	named        map[string]*rand.Rand

	// freeDatagrams recycles datagram structs: the simulator's most
	// frequent allocation.
	freeDatagrams []*datagram

	partition partition
	// baseLinks holds the LAN and WAN profiles while ApplyFaults has
	// replaced their fault probabilities.
	baseLinks [2]LinkProfile
	streams   []*stream // live streams in creation order
	// streamsCompactAt is the length of streams at which ended streams
	// are next dropped from it.
	streamsCompactAt int

	trace *tracer
}

// New creates a simulation whose every choice is drawn from seed.
func New(seed uint64, opts Options) *Sim {
	if opts.LAN == (LinkProfile{}) {
		opts.LAN = LANProfile()
	}
	if opts.WAN == (LinkProfile{}) {
		opts.WAN = WANProfile()
	}
	return &Sim{
		seed:         seed,
		opts:         opts,
		hosts:        make(map[string]*host),
		netRand:      newStream(seed, streamNetwork),
		faultRand:    newStream(seed, streamFaults),
		workloadRand: newStream(seed, streamWorkload),
		named:        make(map[string]*rand.Rand),
		trace:        newTracer(opts.TraceWriter),
	}
}

// Seed is the run's root seed.
func (s *Sim) Seed() uint64 { return s.seed }

// Now is the true virtual time elapsed since the start of the run. Hosts
// see their own local clocks, which may be skewed and drift (SetClock).
func (s *Sim) Now() time.Duration { return time.Duration(s.now) }

// Events is the number of events processed so far.
func (s *Sim) Events() uint64 { return s.events }

// TraceHash is the hex SHA-256 of the canonical encoding of every trace
// record so far. Two runs with the same seed and the same code produce the
// same hash; it is the fingerprint printed next to a failing seed.
func (s *Sim) TraceHash() string { return s.trace.sum() }

// TraceRecords is the number of trace records so far.
func (s *Sim) TraceRecords() uint64 { return s.trace.records }

// Workload is the run's workload stream: draw client operations and other
// test choices from it, never from the network or fault streams.
func (s *Sim) Workload() *rand.Rand { return s.workloadRand }

// Rand returns the workload stream with the given name, creating it on
// first use. Separate names give independent streams, so that one part of
// a workload can change how much it draws without disturbing another.
func (s *Sim) Rand(name string) *rand.Rand {
	r, ok := s.named[name]
	if !ok {
		r = newStream(s.seed, namedStreamID(purposeNamed, name, 0))
		s.named[name] = r
	}
	return r
}

// AddHost adds a host called name in datacenter zone. Links within a zone
// use the LAN profile, links across zones the WAN profile. boot runs at the
// current virtual time (as an event, so every host added before the run
// exists when the first boot runs), and again at every Restart with a fresh
// Env. AddHost panics if the name is taken or contains ':'.
func (s *Sim) AddHost(name, zone string, boot func(Env)) {
	if _, ok := s.hosts[name]; ok || name == "" {
		panic(fmt.Sprintf("netsim: host name %q is empty or taken", name))
	}
	for i := 0; i < len(name); i++ {
		if name[i] == ':' {
			panic(fmt.Sprintf("netsim: host name %q contains ':'", name))
		}
	}
	h := &host{
		sim:      s,
		name:     name,
		zone:     zone,
		index:    len(s.hostList),
		boot:     boot,
		diskRand: newStream(s.seed, namedStreamID(purposeDisk, name, 0)),
	}
	h.disk = newDisk(h)
	s.hosts[name] = h
	s.hostList = append(s.hostList, h)
	s.scheduleBoot(h)
}

// Hosts lists the host names in the order they were added.
func (s *Sim) Hosts() []string {
	names := make([]string, len(s.hostList))
	for i, h := range s.hostList {
		names[i] = h.name
	}
	return names
}

// Up reports whether a host is running (booted and not crashed).
func (s *Sim) Up(name string) bool { return s.mustHost(name).env != nil }

// Disk is a host's disk as it stands, for tests to inspect. It is the same
// disk the host's node writes to, so reads show unsynced data too.
func (s *Sim) Disk(name string) Disk { return s.mustHost(name).disk }

// At schedules fn to run at virtual time t (or now, if t has passed).
func (s *Sim) At(t time.Duration, fn func()) {
	at := max(int64(t), s.now)
	s.queue.push(event{at: at, kind: evCall, fn: func() {
		s.trace.record(trCall, s.now, "", "", "", "", nil)
		fn()
	}})
}

// After schedules fn to run d after the current virtual time.
func (s *Sim) After(d time.Duration, fn func()) { s.At(s.Now()+d, fn) }

// Step processes the next event and reports whether there was one.
func (s *Sim) Step() bool {
	if s.queue.len() == 0 {
		return false
	}
	s.dispatch(s.queue.pop())
	return true
}

// RunUntil processes every event due at or before virtual time t, then
// leaves the clock at t.
func (s *Sim) RunUntil(t time.Duration) {
	end := int64(t)
	for s.queue.len() > 0 && s.queue.peekAt() <= end {
		s.dispatch(s.queue.pop())
	}
	s.now = max(s.now, end)
}

// RunFor runs the simulation for d of virtual time.
func (s *Sim) RunFor(d time.Duration) { s.RunUntil(s.Now() + d) }

// schedule adds an internal event.
func (s *Sim) schedule(e event) { s.queue.push(e) }

// dispatch advances the clock to e and runs it. An event for a node that is
// still busy (a slow fsync) is put back at the time the node is free.
func (s *Sim) dispatch(e event) {
	s.now = max(s.now, e.at)
	if e.host != nil && e.host.busyUntil > s.now {
		e.at = e.host.busyUntil
		s.queue.push(e)
		return
	}
	s.events++
	switch e.kind {
	case evCall:
		e.fn()
	case evTimer:
		s.fireTimer(e.timer)
	case evDatagram:
		s.deliverDatagram(e.dg)
	case evStream:
		s.deliverStream(e.st, e.dir)
	}
}

func (s *Sim) mustHost(name string) *host {
	h, ok := s.hosts[name]
	if !ok {
		panic(fmt.Sprintf("netsim: no host %q", name))
	}
	return h
}
