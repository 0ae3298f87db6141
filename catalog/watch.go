package catalog

import (
	"cmp"
	"slices"
	"sync"
	"sync/atomic"
)

// watchKind says what a watch key names.
type watchKind uint8

const (
	watchTable        watchKind = iota + 1 // a whole table, by table name
	watchNode                              // one node: its row, instances and checks
	watchService                           // one service name: instances, their checks, their nodes
	watchKVKey                             // one KV key
	watchKVPrefix                          // every KV key under a prefix
	watchSession                           // one session, by ID
	watchNodeSessions                      // the sessions of one node, by node name
)

// watchKey names something a read depended on.
type watchKey struct {
	kind watchKind
	name string
}

// notifier is shared by every waiter on one watch key. Firing closes ch,
// which wakes goroutines blocked on it (the agent's HTTP runtime), and sets
// fired, which a single-threaded driver (the agent's deterministic core in
// netsim) can poll after each Apply without a select.
type notifier struct {
	ch    chan struct{}
	fired atomic.Bool
}

// watchRegistry maps each watched key to its notifier. An entry exists only
// while someone has read the key since it last changed: firing a key closes
// and removes its notifier, and the next read makes a fresh one. So Apply
// costs one map lookup per key it changed, whatever the number of waiters,
// and memory grows with the number of distinct keys being watched, not with
// the number of waiters.
type watchRegistry struct {
	mu       sync.Mutex
	notifier map[watchKey]*notifier
	prefixes int // entries of kind watchKVPrefix, to skip prefix lookups when 0
}

func newWatchRegistry() *watchRegistry {
	return &watchRegistry{notifier: make(map[watchKey]*notifier)}
}

// get returns the notifier of k, making one if needed.
func (r *watchRegistry) get(k watchKey) *notifier {
	r.mu.Lock()
	defer r.mu.Unlock()
	n, ok := r.notifier[k]
	if !ok {
		n = &notifier{ch: make(chan struct{})}
		r.notifier[k] = n
		if k.kind == watchKVPrefix {
			r.prefixes++
		}
	}
	return n
}

// fire wakes the waiters of k, if any.
func (r *watchRegistry) fire(k watchKey) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.fireLocked(k)
}

func (r *watchRegistry) fireLocked(k watchKey) {
	n, ok := r.notifier[k]
	if !ok {
		return
	}
	delete(r.notifier, k)
	if k.kind == watchKVPrefix {
		r.prefixes--
	}
	n.fired.Store(true)
	close(n.ch)
}

// fireKV wakes, under one lock, the watchers of a write to key: of the KV
// table, of key, and of every prefix of key, key itself and the empty
// prefix included.
func (r *watchRegistry) fireKV(key string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.fireLocked(watchKey{kind: watchTable, name: tableKVs})
	r.fireLocked(watchKey{kind: watchKVKey, name: key})
	for i := len(key); i >= 0 && r.prefixes > 0; i-- {
		r.fireLocked(watchKey{kind: watchKVPrefix, name: key[:i]})
	}
}

// fireAll wakes every waiter, in key order (a restore replaced everything).
func (r *watchRegistry) fireAll() {
	r.mu.Lock()
	defer r.mu.Unlock()
	keys := make([]watchKey, 0, len(r.notifier))
	for k := range r.notifier {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b watchKey) int {
		return cmp.Or(cmp.Compare(a.kind, b.kind), cmp.Compare(a.name, b.name))
	})
	for _, k := range keys {
		r.fireLocked(k)
	}
}

// size returns the number of watched keys.
func (r *watchRegistry) size() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.notifier)
}

// WatchSet collects what a blocking query's reads depended on. Pass the
// same WatchSet to the reads of one query, then wait until one of its
// Channels is closed (a goroutine-based driver) or poll Fired after each
// Apply (a single-threaded driver). Every read adds one key, except
// ListServices, which adds two. A WatchSet is used by one goroutine at a
// time; a nil *WatchSet is accepted by every read and watches nothing.
type WatchSet struct {
	notifiers []*notifier
}

// Channels returns one channel per watched key; each is closed when its key
// changes.
func (ws *WatchSet) Channels() []<-chan struct{} {
	out := make([]<-chan struct{}, len(ws.notifiers))
	for i, n := range ws.notifiers {
		out[i] = n.ch
	}
	return out
}

// Fired reports whether any watched key has changed since it was read.
func (ws *WatchSet) Fired() bool {
	for _, n := range ws.notifiers {
		if n.fired.Load() {
			return true
		}
	}
	return false
}

// watch adds the notifier of k to ws.
func (s *State) watch(ws *WatchSet, k watchKey) {
	if ws == nil {
		return
	}
	ws.notifiers = append(ws.notifiers, s.watches.get(k))
}
