package core

import (
	"errors"
	"math"
	"time"

	"go.uber.org/zap"

	"github.com/cairn-sd/cairn/catalog"
	"github.com/cairn-sd/cairn/netsim"
	"github.com/cairn-sd/cairn/raft"
)

// Anti-entropy keeps the catalog's entry of this node equal to the local
// state, as Consul's agent does. The local state is the truth for the
// node's services and checks; the catalog is what everyone else reads. A
// sync reads the node's catalog entry, computes the commands that make it
// equal to the local state, and applies them one after another:
//
//   - the node itself, when its address, meta or tagged addresses differ;
//   - each local service that is missing or differs, with its checks;
//   - each local check that is missing or differs;
//   - the deregistration of each service and check the catalog holds for
//     this node but the local state does not (except serfHealth, which the
//     leader owns).
//
// A change to the local state asks for a sync at once; changes that come
// while one runs are folded into one more. Besides, a full sync runs
// every SyncInterval, stretched as the pool grows (Consul's scale: ×1 up
// to 128 members, then one step more per doubling) and staggered at
// random, so that catalog drift (a lost write, a restored snapshot, an
// operator's catalog deregistration) is repaired without every agent
// syncing at the same moment.

// DefaultSyncInterval is the base period of a full sync.
const DefaultSyncInterval = time.Minute

// firstSyncMax bounds the random wait before the first full sync.
const firstSyncMax = 3 * time.Second

// syncRetry is the wait after a failed sync.
const syncRetry = 2 * time.Second

// scaleThreshold is the pool size up to which the interval is not
// stretched.
const scaleThreshold = 128

// syncState tracks the sync in flight and the next full sync.
type syncState struct {
	running bool
	again   bool
	timer   netsim.Timer
	// gen numbers the syncs started; wanted is the first sync that covers
	// the latest change, and waiters wait for the sync they need.
	gen     int
	wanted  int
	waiters []syncWaiter
	// lastErr is how the last sync ended.
	lastErr error
	// Syncs and Commands count completed syncs and the commands they
	// applied, for tests and metrics.
	syncs    int
	commands int
}

// syncWaiter is an AwaitSync call.
type syncWaiter struct {
	gen  int
	done func(error)
}

// changed asks for a sync after a change to the local state.
func (l *Local) changed() {
	l.sync.wanted = l.sync.gen + 1
	l.runSync()
}

// AwaitSync calls done once a sync that covers every change made so far
// has ended, with its error: at once when that sync has already ended.
func (l *Local) AwaitSync(done func(error)) {
	if l.stopped {
		done(ErrStopped)
		return
	}
	if !l.sync.running && l.sync.wanted <= l.sync.gen {
		done(l.sync.lastErr)
		return
	}
	l.sync.waiters = append(l.sync.waiters, syncWaiter{gen: l.sync.wanted, done: done})
}

// scaledInterval stretches the sync interval with the pool's size.
func (l *Local) scaledInterval() time.Duration {
	n := 1
	if l.cfg.PoolSize != nil {
		n = l.cfg.PoolSize()
	}
	if n <= scaleThreshold {
		return l.cfg.SyncInterval
	}
	steps := math.Ceil(math.Log2(float64(n))-math.Log2(scaleThreshold)) + 1
	return time.Duration(steps) * l.cfg.SyncInterval
}

// scheduleFullSync sets the timer of the next full sync; the first comes
// soon after start (within firstSyncMax, so that the node's meta and
// tagged addresses reach the catalog), later ones after an interval and a
// random part of half of one.
func (l *Local) scheduleFullSync(first bool) {
	stopTimer(l.sync.timer)
	if l.stopped {
		return
	}
	d := l.scaledInterval()
	wait := time.Duration(l.env.Rand().Int64N(int64(min(d, firstSyncMax))))
	if !first {
		wait = d + time.Duration(l.env.Rand().Int64N(int64(d/2)+1))
	}
	l.sync.timer = l.env.AfterFunc(wait, func() {
		l.runSync()
		l.scheduleFullSync(false)
	})
}

// runSync starts a sync, or marks one to follow the sync in flight.
func (l *Local) runSync() {
	if l.stopped {
		return
	}
	if l.sync.running {
		l.sync.again = true
		return
	}
	l.sync.running, l.sync.again = true, false
	l.sync.gen++
	l.backend.NodeStateAs(l.token(), l.cfg.Node.Node, func(ns NodeState, err error) {
		if err != nil {
			l.syncDone(err)
			return
		}
		l.applyInOrder(l.diff(ns), 0)
	})
}

// applyInOrder applies cmds[i:] one after another.
func (l *Local) applyInOrder(cmds []catalog.Command, i int) {
	if i == len(cmds) || l.stopped {
		l.syncDone(nil)
		return
	}
	b, err := catalog.Encode(cmds[i])
	if err != nil {
		l.syncDone(err)
		return
	}
	l.backend.ApplyAs(l.token(), b, func(r catalog.Result, err error) {
		if err == nil {
			err = r.Err
		}
		if err != nil {
			l.syncDone(err)
			return
		}
		l.sync.commands++
		l.applyInOrder(cmds, i+1)
	})
}

// syncDone ends a sync: a failed one is retried after syncRetry, and a
// change that came meanwhile starts the next at once.
func (l *Local) syncDone(err error) {
	l.sync.running, l.sync.lastErr = false, err
	l.wakeWaiters(err)
	if l.stopped {
		return
	}
	if err != nil {
		log := l.logger.Warn
		if errors.Is(err, raft.ErrNotLeader) || errors.Is(err, ErrNoLeader) || isNoLeader(err) {
			log = l.logger.Debug // an election is under way, as at start
		}
		log("syncing the local state to the catalog failed; will retry", zap.Error(err))
		l.env.AfterFunc(syncRetry, l.runSync)
		return
	}
	l.sync.syncs++
	if l.sync.again {
		l.runSync()
	}
}

// wakeWaiters answers the AwaitSync calls the ended sync covers.
func (l *Local) wakeWaiters(err error) {
	keep := l.sync.waiters[:0]
	for _, w := range l.sync.waiters {
		if w.gen <= l.sync.gen {
			w.done(err)
		} else {
			keep = append(keep, w)
		}
	}
	l.sync.waiters = keep
}

// InSync reports whether no sync is running or pending, and how many
// syncs have completed.
func (l *Local) InSync() (bool, int) { return !l.sync.running && !l.sync.again, l.sync.syncs }

// token is the ACL token the agent's own writes carry.
func (l *Local) token() string {
	if l.cfg.Token == nil {
		return ""
	}
	return l.cfg.Token()
}
