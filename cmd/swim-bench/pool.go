package main

import (
	"fmt"
	"runtime"
	"time"

	"github.com/cairn-sd/cairn/netsim"
	"github.com/cairn-sd/cairn/swim"
	"github.com/cairn-sd/cairn/swim/driver"
)

const port = 7946

// mode is one protocol variant under test.
type mode struct {
	name      string
	lifeguard bool
}

var modes = []mode{{"SWIM", false}, {"Lifeguard", true}}

// failure is one member's failure event as an observer saw it, in true
// virtual time.
type failure struct {
	observer    string
	node        string
	incarnation uint32
	at          time.Duration
}

// pool is n simulated members of one LAN pool.
type pool struct {
	sim      *netsim.Sim
	names    []string
	nodes    map[string]*driver.Node
	failures []failure
	wallFrom time.Time
	peakHeap uint64
	// profiled is set once a heap profile was written; peakLive is the
	// largest live heap seen, measured only while profiling.
	profiled bool
	peakLive uint64
}

// newPool boots n members that all join the first one, with the LAN
// configuration, plain SWIM or Lifeguard, and the stream fallback probe off
// so that datagram loss is what the detector has to live with.
func newPool(seed uint64, n int, m mode, loss float64) *pool {
	opts := netsim.Options{LAN: netsim.LANProfile()}
	opts.LAN.Loss = loss
	p := &pool{sim: netsim.New(seed, opts), nodes: make(map[string]*driver.Node, n), wallFrom: time.Now()}
	key := swim.EncodeKey(make([]byte, 32))
	for i := range n {
		name := fmt.Sprintf("n%05d", i)
		p.names = append(p.names, name)
		p.sim.AddHost(name, "dc1", func(env netsim.Env) {
			sc := swim.LANConfig()
			sc.Name = name
			sc.DisableTCPPings = true
			if !m.lifeguard {
				sc.DisableAwareness = true
				sc.DisableDynamicSuspicion = true
				sc.DisableBuddy = true
				sc.DisableNacks = true
			}
			cfg := driver.Config{Swim: sc, Port: port, EncryptKey: key}
			cfg.OnEvent = func(e swim.Event) {
				if e.Kind == swim.EventFailed {
					p.failures = append(p.failures, failure{name, e.Node.Name, e.Node.Incarnation, p.sim.Now()})
				}
			}
			node, err := driver.Start(env, cfg)
			if err != nil {
				panic(fmt.Sprintf("bench: start %s: %v", name, err))
			}
			p.nodes[name] = node
			if err := node.Join([]string{fmt.Sprintf("%s:%d", p.names[0], port)}); err != nil {
				panic(fmt.Sprintf("bench: join %s: %v", name, err))
			}
		})
	}
	p.sim.RunFor(0)
	return p
}

// run advances the simulation by d in steps, sampling the heap after each.
func (p *pool) run(d time.Duration) {
	step := 10 * time.Second
	for end := p.sim.Now() + d; p.sim.Now() < end; {
		p.sim.RunUntil(min(end, p.sim.Now()+step))
		p.sampleHeap()
	}
}

// sampleHeap records the peak heap. While a heap profile is wanted it also
// collects garbage first, so that the live heap is measured, and rewrites
// the profile at each new maximum.
func (p *pool) sampleHeap() {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	p.peakHeap = max(p.peakHeap, ms.HeapAlloc)
	if heapProfile == "" {
		return
	}
	runtime.GC()
	runtime.ReadMemStats(&ms)
	if ms.HeapAlloc > p.peakLive {
		p.peakLive = ms.HeapAlloc
		writeHeapProfile()
		p.profiled = true
	}
}

// converge runs until every member sees all n alive, or limit passes.
func (p *pool) converge(limit time.Duration) (time.Duration, bool) {
	start := p.sim.Now()
	for p.sim.Now()-start < limit {
		if p.converged() {
			return p.sim.Now() - start, true
		}
		p.run(5 * time.Second)
	}
	return p.sim.Now() - start, p.converged()
}

func (p *pool) converged() bool {
	for _, name := range p.names {
		if p.sim.Up(name) && p.nodes[name].Member().NumAlive() != len(p.names) {
			return false
		}
	}
	return true
}

// suspicions sums the suspicions raised by running members.
func (p *pool) suspicions() uint64 {
	var total uint64
	for _, name := range p.names {
		if p.sim.Up(name) {
			total += p.nodes[name].Member().Stats().SuspicionsRaised
		}
	}
	return total
}

// bytesSent sums datagram and stream bytes sent by running members.
func (p *pool) bytesSent() (udp, tcp uint64) {
	for _, name := range p.names {
		if p.sim.Up(name) {
			udp += p.nodes[name].Member().Stats().BytesSent
			tcp += p.nodes[name].StreamBytesSent()
		}
	}
	return udp, tcp
}

// wall is the wall time since the pool was created.
func (p *pool) wall() time.Duration { return time.Since(p.wallFrom) }
