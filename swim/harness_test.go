package swim

import (
	"container/heap"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// harness is a tiny deterministic network for the core's tests: members,
// an event heap in virtual time, fixed latency, optional loss and
// partitions. It stands in for netsim inside this package.
type harness struct {
	t       testing.TB
	now     time.Duration
	rnd     *rand.Rand
	members map[string]*hmember
	order   []string
	queue   eventHeap
	seq     uint64
	latency time.Duration
	loss    float64
	// cut holds pairs of addresses that cannot talk, both directions.
	cut map[[2]string]bool
	// slow holds members that handle packets late, as a CPU-starved
	// process does: each packet to them waits up to this much more.
	slow     map[string]time.Duration
	events   []Event
	userSeen map[string][]UserEvent
	// keyResults collects the keyring query results of every member.
	keyResults []KeyQueryResult
}

type hmember struct {
	m        *Member
	addr     string
	down     bool
	deadline time.Duration
}

type hevent struct {
	at   time.Duration
	seq  uint64
	addr string
	run  func()
}

type eventHeap []*hevent

func (h eventHeap) Len() int { return len(h) }
func (h eventHeap) Less(i, j int) bool {
	if h[i].at != h[j].at {
		return h[i].at < h[j].at
	}
	return h[i].seq < h[j].seq
}
func (h eventHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *eventHeap) Push(x any)   { *h = append(*h, x.(*hevent)) }
func (h *eventHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

func newHarness(t testing.TB, seed uint64) *harness {
	return &harness{t: t, rnd: rand.New(rand.NewPCG(seed, 1)), members: map[string]*hmember{},
		latency: time.Millisecond, cut: map[[2]string]bool{}, slow: map[string]time.Duration{}, userSeen: map[string][]UserEvent{}}
}

func (h *harness) at(d time.Duration, addr string, f func()) {
	h.seq++
	heap.Push(&h.queue, &hevent{at: d, seq: h.seq, addr: addr, run: f})
}

// add starts a member with cfg adjusted by tweak.
func (h *harness) add(name string, tweak func(*Config)) *Member {
	cfg := LocalConfig()
	cfg.Name, cfg.Addr = name, name+":7946"
	cfg.Tags = Tags{"role": "node"}
	cfg.Rand = rand.New(rand.NewPCG(h.rnd.Uint64(), 2))
	if tweak != nil {
		tweak(&cfg)
	}
	m, err := New(cfg, h.now)
	require.NoError(h.t, err)
	hm := &hmember{m: m, addr: cfg.Addr}
	h.members[cfg.Addr] = hm
	h.order = append(h.order, cfg.Addr)
	h.pump(hm)
	return m
}

func (h *harness) reachable(a, b string) bool {
	return !h.cut[[2]string{a, b}] && !h.cut[[2]string{b, a}]
}

func (h *harness) deliverable(from, to string) (*hmember, bool) {
	dst, ok := h.members[to]
	if !ok || dst.down || !h.reachable(from, to) {
		return nil, false
	}
	return dst, true
}

// pump drains a member's outputs into the network and re-arms its timer.
func (h *harness) pump(hm *hmember) {
	if hm.down {
		return
	}
	r := hm.m.Ready()
	h.events = append(h.events, r.Events...)
	h.userSeen[hm.addr] = append(h.userSeen[hm.addr], r.UserEvents...)
	h.keyResults = append(h.keyResults, r.KeyQueries...)
	for _, p := range r.Packets {
		if h.loss > 0 && h.rnd.Float64() < h.loss {
			continue
		}
		from, p := hm.addr, p
		delay := h.latency
		if extra := h.slow[p.To]; extra > 0 {
			delay += time.Duration(h.rnd.Int64N(int64(extra)))
		}
		h.at(h.now+delay, p.To, func() {
			if dst, ok := h.deliverable(from, p.To); ok {
				dst.m.Step(h.now, from, p.Payload)
				h.pump(dst)
			}
		})
	}
	for _, s := range r.Streams {
		h.stream(hm, s)
	}
	d := hm.m.NextDeadline()
	if d < h.now {
		d = h.now
	}
	if d != hm.deadline || len(h.queue) == 0 {
		hm.deadline = d
		h.at(d, hm.addr, func() {
			if hm.down || hm.deadline != d {
				return
			}
			hm.deadline = -1
			hm.m.Tick(h.now)
			h.pump(hm)
		})
	}
}

func (h *harness) stream(src *hmember, s StreamRequest) {
	h.at(h.now+h.latency, s.To, func() {
		dst, ok := h.deliverable(src.addr, s.To)
		if !ok {
			h.at(h.now+h.latency, src.addr, func() {
				if !src.down {
					src.m.StreamFailed(h.now, s.ID)
					h.pump(src)
				}
			})
			return
		}
		reply, err := dst.m.HandleStream(h.now, src.addr, s.Payload)
		h.pump(dst)
		h.at(h.now+h.latency, src.addr, func() {
			if src.down {
				return
			}
			if err != nil || !h.reachable(src.addr, s.To) {
				src.m.StreamFailed(h.now, s.ID)
			} else {
				src.m.StreamReply(h.now, s.ID, reply)
			}
			h.pump(src)
		})
	})
}

// run advances virtual time by d.
func (h *harness) run(d time.Duration) {
	end := h.now + d
	for len(h.queue) > 0 && h.queue[0].at <= end {
		e := heap.Pop(&h.queue).(*hevent)
		h.now = max(h.now, e.at)
		e.run()
	}
	h.now = end
}

// call runs f on the member at addr and pumps its outputs.
func (h *harness) call(m *Member, f func()) {
	f()
	h.pump(h.members[m.cfg.Addr])
}

func (h *harness) crash(m *Member) { h.members[m.cfg.Addr].down = true }

// joinAll makes every member join the first one.
func (h *harness) joinAll() {
	first := h.order[0]
	for _, addr := range h.order[1:] {
		hm := h.members[addr]
		h.call(hm.m, func() { hm.m.Join(h.now, []string{first}) })
	}
}

// stateOf returns what observer believes about node.
func stateOf(observer *Member, node string) (State, bool) {
	n, ok := observer.Node(node)
	return n.State, ok
}

// everyoneSees reports whether every live member sees node in state want.
func (h *harness) everyoneSees(node string, want State) bool {
	for _, addr := range h.order {
		hm := h.members[addr]
		if hm.down || hm.m.cfg.Name == node {
			continue
		}
		if s, ok := stateOf(hm.m, node); !ok || s != want {
			return false
		}
	}
	return true
}

// converged reports whether every live member sees every live member alive.
func (h *harness) converged() bool {
	for _, addr := range h.order {
		if hm := h.members[addr]; !hm.down && !h.everyoneSees(hm.m.cfg.Name, StateAlive) {
			return false
		}
	}
	return true
}

// runUntil advances in steps of step until cond holds or limit passes, and
// returns the time it took.
func (h *harness) runUntil(limit, step time.Duration, cond func() bool) (time.Duration, bool) {
	start := h.now
	for h.now-start < limit {
		if cond() {
			return h.now - start, true
		}
		h.run(step)
	}
	return h.now - start, cond()
}

func nodeName(i int) string { return fmt.Sprintf("n%03d", i) }
