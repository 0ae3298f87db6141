package netsim

// eventKind says what an event does when its time comes.
type eventKind uint8

const (
	// evCall runs fn: workload closures, boots, and the rarer network
	// actions (stream close notifications).
	evCall eventKind = iota
	// evTimer fires a node's AfterFunc timer unless it was stopped.
	evTimer
	// evDatagram delivers one datagram.
	evDatagram
	// evStream delivers the next item queued on one direction of a stream.
	evStream
)

// event is one entry of the simulator's queue. Events are kept by value in
// a slice and ordered by (at, seq): seq is a counter stamped at insertion,
// so two events due at the same instant run in the order they were
// scheduled, never in an order that depends on pointers or maps.
type event struct {
	at   int64 // virtual nanoseconds since the start of the run
	seq  uint64
	kind eventKind
	dir  uint8 // evStream: which direction of st
	// host, when set, is the node the event calls into: the event waits
	// until the node is no longer busy (see host.busyUntil).
	host  *host
	fn    func()
	timer *timer
	dg    *datagram
	st    *stream
}

// eventQueue is a 4-ary min-heap of events on a slice: a shallower tree
// than a binary heap, whose four children sit next to each other in
// memory, which makes pop (the hot path) cheaper.
type eventQueue struct {
	items []event
	seq   uint64
}

func (q *eventQueue) len() int { return len(q.items) }

func (q *eventQueue) less(i, j int) bool {
	a, b := &q.items[i], &q.items[j]
	if a.at != b.at {
		return a.at < b.at
	}
	return a.seq < b.seq
}

// push stamps e with the next sequence number and inserts it.
func (q *eventQueue) push(e event) {
	q.seq++
	e.seq = q.seq
	q.items = append(q.items, e)
	q.up(len(q.items) - 1)
}

// pop removes and returns the earliest event. The queue must not be empty.
func (q *eventQueue) pop() event {
	n := len(q.items) - 1
	top := q.items[0]
	q.items[0] = q.items[n]
	q.items[n] = event{} // drop references for the collector
	q.items = q.items[:n]
	if n > 0 {
		q.down(0)
	}
	return top
}

// peekAt is the time of the earliest event. The queue must not be empty.
func (q *eventQueue) peekAt() int64 { return q.items[0].at }

func (q *eventQueue) up(i int) {
	for i > 0 {
		p := (i - 1) / 4
		if !q.less(i, p) {
			return
		}
		q.items[i], q.items[p] = q.items[p], q.items[i]
		i = p
	}
}

func (q *eventQueue) down(i int) {
	n := len(q.items)
	for {
		first := 4*i + 1
		if first >= n {
			return
		}
		m := first
		for c := first + 1; c < first+4 && c < n; c++ {
			if q.less(c, m) {
				m = c
			}
		}
		if !q.less(m, i) {
			return
		}
		q.items[i], q.items[m] = q.items[m], q.items[i]
		i = m
	}
}

// removeIf drops every event for which drop reports true and restores the
// heap. It is how stopped timers are purged when they pile up; the (at, seq)
// order of the survivors is unchanged, so the run is unaffected.
func (q *eventQueue) removeIf(drop func(*event) bool) int {
	kept := q.items[:0]
	for i := range q.items {
		if !drop(&q.items[i]) {
			kept = append(kept, q.items[i])
		}
	}
	removed := len(q.items) - len(kept)
	clear(q.items[len(kept):])
	q.items = kept
	for i := (len(q.items) - 2) / 4; i >= 0; i-- {
		q.down(i)
	}
	return removed
}
