package swim

// broadcastQueue holds the gossip a member still has to spread (SWIM §4.1,
// "infection-style dissemination"). Every outgoing packet takes as many
// broadcasts as fit, least-transmitted first and, among equals, the one that
// most recently reached its transmit count first. Each is sent at most
// RetransmitMult·ceil(log10(n+1)) times, which reaches every member with high
// probability. A broadcast about a node replaces any older one about the same
// node: only the newest news matters.
//
// The queue is bucketed by transmit count, so that a packet's worth of
// broadcasts is found without sorting the whole queue: at 1,000 members a
// join wave puts a thousand alive messages in every member's queue. Every
// member of a pool holds such a queue at once, so its memory counts n times
// over: a bucket gives back the room it no longer needs (shrink), and a
// broadcast is a small record.
type broadcastQueue struct {
	// buckets[t] holds the broadcasts sent t times, most recently arrived
	// last. Replaced and dropped broadcasts stay in place, marked dead,
	// until a scan or a compaction removes them.
	buckets [][]*broadcast
	// The live broadcast about a node hangs off the node's row
	// (nodeState.news), so that the commonest news needs no index of its
	// own. User events are indexed here by key, and keyOf maps each back.
	byKey map[string]*broadcast
	keyOf map[*broadcast]string
	live  int
	slots int
	limit int
}

// broadcast is one piece of news: about the node whose row is about, or a
// user event when about is nil.
type broadcast struct {
	frame     string
	about     *nodeState
	transmits int32
	dead      bool
}

// minFrameBytes is the smallest frame: a type byte and a zero length.
const minFrameBytes = 2

// maxMisses ends a packet's scan after this many broadcasts in a row that did
// not fit: the packet is as good as full, and scanning the rest of a long
// queue would cost more than the few bytes it could still fill.
const maxMisses = 16

func newBroadcastQueue(limit int) broadcastQueue {
	return broadcastQueue{byKey: make(map[string]*broadcast), keyOf: make(map[*broadcast]string), limit: limit}
}

func (q *broadcastQueue) len() int { return q.live }

// queueNode adds news about the node of row n, replacing older news about it.
func (q *broadcastQueue) queueNode(n *nodeState, news message) {
	q.dropNode(n)
	b := &broadcast{frame: newsFrame(news), about: n}
	n.news = b
	q.push(b)
}

// queueEvent adds a user event, replacing the one with the same key.
func (q *broadcastQueue) queueEvent(key string, news message) {
	if b, ok := q.byKey[key]; ok {
		q.drop(b)
	}
	b := &broadcast{frame: newsFrame(news)}
	q.byKey[key], q.keyOf[b] = b, key
	q.push(b)
}

// dropNode removes the news about the node of row n, if any.
func (q *broadcastQueue) dropNode(n *nodeState) {
	if n.news != nil {
		q.drop(n.news)
	}
}

func (q *broadcastQueue) push(b *broadcast) {
	if len(q.buckets) == 0 {
		q.buckets = make([][]*broadcast, 1)
	}
	q.buckets[0] = append(q.buckets[0], b)
	q.live++
	q.slots++
	if q.live > q.limit {
		q.evict()
	}
	if q.slots > 2*q.live+64 {
		q.compact()
	}
}

// drop marks a live broadcast dead and unindexes it; its slot is reclaimed
// by a later scan or compaction.
func (q *broadcastQueue) drop(b *broadcast) {
	b.dead = true
	q.retire(b)
}

// retire unindexes a broadcast that leaves the queue.
func (q *broadcastQueue) retire(b *broadcast) {
	if b.about != nil {
		b.about.news = nil
	} else {
		delete(q.byKey, q.keyOf[b])
		delete(q.keyOf, b)
	}
	q.live--
}

// evict drops the oldest of the most transmitted broadcasts.
func (q *broadcastQueue) evict() {
	for t := len(q.buckets) - 1; t >= 0; t-- {
		for _, b := range q.buckets[t] {
			if !b.dead {
				q.drop(b)
				return
			}
		}
	}
}

// compact removes dead entries from every bucket.
func (q *broadcastQueue) compact() {
	q.slots = 0
	for t, bucket := range q.buckets {
		kept := bucket[:0]
		for _, b := range bucket {
			if !b.dead {
				kept = append(kept, b)
			}
		}
		clear(bucket[len(kept):])
		q.buckets[t] = shrink(kept)
		q.slots += len(kept)
	}
}

// take returns frames that fit in budget bytes, counting a transmission for
// each and retiring those that reached transmitLimit.
func (q *broadcastQueue) take(budget, transmitLimit int) []string {
	if q.live == 0 {
		return nil
	}
	var out []string
	promoted := make([][]*broadcast, len(q.buckets)+1)
	misses := 0
	full := func() bool { return budget < minFrameBytes || misses >= maxMisses }
	for t := 0; t < len(q.buckets) && !full(); t++ {
		bucket := q.buckets[t]
		var kept []*broadcast
		i := len(bucket) - 1
		for ; i >= 0 && !full(); i-- {
			b := bucket[i]
			switch {
			case b.dead:
				q.slots--
			case len(b.frame) > budget:
				kept = append(kept, b)
				misses++
			default:
				misses = 0
				budget -= len(b.frame)
				out = append(out, b.frame)
				b.transmits++
				if int(b.transmits) >= transmitLimit {
					q.retire(b)
					q.slots--
					continue
				}
				promoted[t+1] = append(promoted[t+1], b)
			}
		}
		bucket = bucket[:i+1]
		for j := len(kept) - 1; j >= 0; j-- {
			bucket = append(bucket, kept[j])
		}
		q.buckets[t] = shrink(bucket)
	}
	q.promote(promoted)
	return out
}

// promote appends each moved broadcast to its new bucket, the most recently
// arrived last.
func (q *broadcastQueue) promote(promoted [][]*broadcast) {
	for t, moved := range promoted {
		if len(moved) == 0 {
			continue
		}
		for len(q.buckets) <= t {
			q.buckets = append(q.buckets, nil)
		}
		for j := len(moved) - 1; j >= 0; j-- {
			q.buckets[t] = append(q.buckets[t], moved[j])
		}
	}
}

// shrinkMinCap is the capacity below which a bucket is never reallocated.
const shrinkMinCap = 32

// shrink returns bucket in a smaller array once it uses less than a quarter
// of its capacity. A join wave passes a thousand broadcasts through every
// bucket in turn; without this each bucket would keep room for all of them
// long after they moved on, in every member.
func shrink(bucket []*broadcast) []*broadcast {
	if cap(bucket) <= shrinkMinCap || len(bucket) >= cap(bucket)/4 {
		return bucket
	}
	return append(make([]*broadcast, 0, 2*len(bucket)), bucket...)
}
