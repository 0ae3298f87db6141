package netsim

import (
	"io"
	"math/rand/v2"
	"time"

	"go.uber.org/zap"
)

// Tracer is implemented by the simulator's Env. Node code may add its own
// records to the run's trace (an election won, a member declared dead);
// they are hashed with the rest, and printed if the run prints its trace:
//
//	if t, ok := env.(netsim.Tracer); ok {
//		t.Trace("became leader")
//	}
type Tracer interface {
	// Trace adds a record naming this host at its current virtual time.
	Trace(event string)
}

// host is one simulated machine. It outlives its boots: the disk, the
// clock and the fault settings survive a crash, the Env does not.
type host struct {
	sim   *Sim
	name  string
	zone  string
	index int
	boot  func(Env)

	env   *nodeEnv // the running boot, nil while down
	boots uint64   // how many times the host has booted

	// busyUntil is the true virtual time until which the node is busy
	// (in a slow fsync). Events for the node wait until then, and what
	// the node does meanwhile happens at that time.
	busyUntil int64
	clock     clock
	disk      *disk
	diskRand  *rand.Rand
	diskFault DiskFaults
	// inFlight are slow syncs that have not completed yet: a crash before
	// a sync's completion undoes it (see fsyncDelay).
	inFlight []inFlightSync

	// Network position (see partition).
	group    int
	isolated bool
	bridge   bool
}

// nodeNow is the true virtual time as the node experiences it: later than
// the simulator's clock while the node is busy.
func (h *host) nodeNow() int64 { return max(h.sim.now, h.busyUntil) }

// nodeEnv is the Env of one boot of a host. It is also the node's Network.
type nodeEnv struct {
	sim     *Sim
	host    *host
	boot    uint64
	dead    bool
	rand    *rand.Rand
	entropy *rand.ChaCha8
	logger  *zap.Logger

	packets   map[int]*packetConn
	listeners map[int]*listener
	nextPort  int
}

// firstEphemeralPort is where port-0 allocation starts on each boot.
const firstEphemeralPort = 49152

func (s *Sim) scheduleBoot(h *host) {
	s.schedule(event{at: s.now, kind: evCall, fn: func() { s.bootHost(h) }})
}

// bootHost starts a new boot of h with a fresh Env.
func (s *Sim) bootHost(h *host) {
	if h.env != nil {
		return
	}
	h.boots++
	r := newStream(s.seed, namedStreamID(purposeNode, h.name, h.boots))
	var seed [32]byte
	er := newStream(s.seed, namedStreamID(purposeEntropy, h.name, h.boots))
	for i := range seed {
		seed[i] = byte(er.Uint32())
	}
	env := &nodeEnv{
		sim:       s,
		host:      h,
		boot:      h.boots,
		rand:      r,
		entropy:   rand.NewChaCha8(seed),
		packets:   make(map[int]*packetConn),
		listeners: make(map[int]*listener),
		nextPort:  firstEphemeralPort,
	}
	env.logger = zap.NewNop()
	if s.opts.Logger != nil {
		env.logger = s.opts.Logger.WithOptions(zap.WithClock(zapClock{env})).With(zap.String("host", h.name))
	}
	h.env = env
	s.trace.record(trBoot, s.now, h.name, "", "", "", nil)
	h.boot(env)
}

func (e *nodeEnv) Host() string { return e.host.name }

// Now is Epoch plus the host's local virtual time.
func (e *nodeEnv) Now() time.Time {
	return Epoch.Add(time.Duration(e.host.clock.local(e.host.nodeNow())))
}

func (e *nodeEnv) Rand() *rand.Rand { return e.rand }

// Entropy is a ChaCha8 stream seeded from the run's seed, host and boot.
func (e *nodeEnv) Entropy() io.Reader { return e.entropy }

func (e *nodeEnv) Logger() *zap.Logger { return e.logger }

func (e *nodeEnv) Net() Network { return e }

func (e *nodeEnv) Disk() Disk { return e.host.disk }

// Trace adds a node record to the run's trace.
func (e *nodeEnv) Trace(event string) {
	if e.dead {
		return
	}
	e.sim.trace.record(trNode, e.host.nodeNow(), e.host.name, "", "", event, nil)
}

// timer is a pending AfterFunc call.
type timer struct {
	env     *nodeEnv
	fn      func()
	stopped bool
	fired   bool
}

// AfterFunc schedules f after d of the host's local time.
func (e *nodeEnv) AfterFunc(d time.Duration, f func()) Timer {
	t := &timer{env: e, fn: f}
	if e.dead {
		t.fired = true
		return t
	}
	at := e.host.nodeNow() + e.host.clock.toGlobal(int64(d))
	e.sim.schedule(event{at: at, kind: evTimer, host: e.host, timer: t})
	return t
}

// Background runs work now and calls done as the next event of the node:
// the background run that finished before anything else happened.
func (e *nodeEnv) Background(work func() error, done func(error)) {
	if e.dead {
		return
	}
	err := work()
	e.callSoon(0, func() { done(err) })
}

// callSoon runs f on the node d true nanoseconds from now, unless the
// boot ends first: the completion of work that ran beside the node.
func (e *nodeEnv) callSoon(d int64, f func()) {
	if e.dead {
		return
	}
	t := &timer{env: e, fn: f}
	e.sim.schedule(event{at: e.host.nodeNow() + d, kind: evTimer, host: e.host, timer: t})
}

// Stop cancels the call if it is still pending. The queue entry stays
// until its time comes (or until stopped timers are purged).
func (t *timer) Stop() bool {
	if t.fired || t.stopped {
		return false
	}
	t.stopped = true
	s := t.env.sim
	s.stoppedTimers++
	if s.stoppedTimers > 1024 && s.stoppedTimers > s.queue.len()/2 {
		s.queue.removeIf(func(e *event) bool { return e.kind == evTimer && e.timer.stopped })
		s.stoppedTimers = 0
	}
	return true
}

func (s *Sim) fireTimer(t *timer) {
	if t.stopped {
		s.stoppedTimers--
		return
	}
	t.fired = true
	if t.env.dead {
		return
	}
	s.trace.record(trTimer, s.now, t.env.host.name, "", "", "", nil)
	t.fn()
}
