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
// join wave puts a thousand alive messages in every member's queue.
type broadcastQueue struct {
	// buckets[t] holds the broadcasts sent t times, most recently arrived
	// last. Replaced and dropped broadcasts stay in place, marked dead,
	// until a scan or a compaction removes them.
	buckets [][]*broadcast
	byKey   map[string]*broadcast
	live    int
	slots   int
	limit   int
}

type broadcast struct {
	key       string
	frame     []byte
	transmits int
	dead      bool
}

// minFrameBytes is the smallest frame: a type byte and a zero length.
const minFrameBytes = 2

// maxMisses ends a packet's scan after this many broadcasts in a row that did
// not fit: the packet is as good as full, and scanning the rest of a long
// queue would cost more than the few bytes it could still fill.
const maxMisses = 16

func newBroadcastQueue(limit int) broadcastQueue {
	return broadcastQueue{byKey: make(map[string]*broadcast), limit: limit}
}

func (q *broadcastQueue) len() int { return q.live }

// queue adds a broadcast, replacing the one with the same key.
func (q *broadcastQueue) queue(key string, frame []byte) {
	q.drop(key)
	b := &broadcast{key: key, frame: frame}
	if len(q.buckets) == 0 {
		q.buckets = make([][]*broadcast, 1)
	}
	q.buckets[0] = append(q.buckets[0], b)
	q.byKey[key] = b
	q.live++
	q.slots++
	if q.live > q.limit {
		q.evict()
	}
	if q.slots > 2*q.live+64 {
		q.compact()
	}
}

// drop removes the broadcast with key, if any.
func (q *broadcastQueue) drop(key string) {
	if b, ok := q.byKey[key]; ok {
		b.dead = true
		delete(q.byKey, key)
		q.live--
	}
}

// evict drops the oldest of the most transmitted broadcasts.
func (q *broadcastQueue) evict() {
	for t := len(q.buckets) - 1; t >= 0; t-- {
		for _, b := range q.buckets[t] {
			if !b.dead {
				q.drop(b.key)
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
		q.buckets[t] = kept
		q.slots += len(kept)
	}
}

// take returns frames that fit in budget bytes, counting a transmission for
// each and retiring those that reached transmitLimit.
func (q *broadcastQueue) take(budget, transmitLimit int) [][]byte {
	if q.live == 0 {
		return nil
	}
	var out [][]byte
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
				if b.transmits >= transmitLimit {
					delete(q.byKey, b.key)
					q.live--
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
		q.buckets[t] = bucket
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
