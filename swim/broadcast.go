package swim

import "slices"

// broadcastQueue holds the gossip a member still has to spread (SWIM §4.1,
// "infection-style dissemination"). Every outgoing packet takes as many
// broadcasts as fit, least-transmitted first and newest first among equals,
// and each is sent at most RetransmitMult·ceil(log10(n+1)) times, which
// reaches every member with high probability. A broadcast about a node
// replaces any older one about the same node: only the newest news matters.
type broadcastQueue struct {
	items  []*broadcast
	byKey  map[string]*broadcast
	nextID uint64
	limit  int
}

type broadcast struct {
	key       string
	frame     []byte
	transmits int
	id        uint64
}

func newBroadcastQueue(limit int) broadcastQueue {
	return broadcastQueue{byKey: make(map[string]*broadcast), limit: limit}
}

func (q *broadcastQueue) len() int { return len(q.items) }

// queue adds a broadcast, replacing the one with the same key.
func (q *broadcastQueue) queue(key string, frame []byte) {
	q.nextID++
	if b, ok := q.byKey[key]; ok {
		b.frame, b.transmits, b.id = frame, 0, q.nextID
		return
	}
	b := &broadcast{key: key, frame: frame, id: q.nextID}
	q.items = append(q.items, b)
	q.byKey[key] = b
	if len(q.items) > q.limit {
		q.sort()
		q.remove(q.items[len(q.items)-1])
	}
}

// drop removes the broadcast with key, if any.
func (q *broadcastQueue) drop(key string) {
	if b, ok := q.byKey[key]; ok {
		q.remove(b)
	}
}

func (q *broadcastQueue) remove(b *broadcast) {
	delete(q.byKey, b.key)
	i := slices.Index(q.items, b)
	q.items = slices.Delete(q.items, i, i+1)
}

// sort orders the queue least-transmitted first, then newest first.
func (q *broadcastQueue) sort() {
	slices.SortFunc(q.items, func(a, b *broadcast) int {
		if a.transmits != b.transmits {
			return a.transmits - b.transmits
		}
		switch {
		case a.id > b.id:
			return -1
		case a.id < b.id:
			return 1
		}
		return 0
	})
}

// take returns frames that fit in budget bytes, counting a transmission for
// each and retiring those that reached transmitLimit.
func (q *broadcastQueue) take(budget, transmitLimit int) [][]byte {
	if len(q.items) == 0 {
		return nil
	}
	q.sort()
	var out [][]byte
	var retired []*broadcast
	for _, b := range q.items {
		if len(b.frame) > budget {
			continue
		}
		budget -= len(b.frame)
		out = append(out, b.frame)
		b.transmits++
		if b.transmits >= transmitLimit {
			retired = append(retired, b)
		}
	}
	for _, b := range retired {
		q.remove(b)
	}
	return out
}
