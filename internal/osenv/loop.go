package osenv

import (
	"sync"
	"time"
)

// loop runs posted closures one at a time on a single goroutine, in the
// order they were posted. It is the only place where a node's code runs.
type loop struct {
	mu      sync.Mutex
	queue   []func()
	wake    chan struct{}
	stopped bool
	done    chan struct{}
}

func newLoop() *loop {
	return &loop{wake: make(chan struct{}, 1), done: make(chan struct{})}
}

// post queues f to run on the loop. It reports false once the loop has
// stopped, in which case f never runs.
func (l *loop) post(f func()) bool {
	l.mu.Lock()
	if l.stopped {
		l.mu.Unlock()
		return false
	}
	l.queue = append(l.queue, f)
	l.mu.Unlock()
	select {
	case l.wake <- struct{}{}:
	default:
	}
	return true
}

// run executes closures until stop is called; it returns after the last
// closure that was queued before the stop has run.
func (l *loop) run() {
	defer close(l.done)
	var batch []func()
	for {
		l.mu.Lock()
		batch, l.queue = l.queue, batch[:0]
		stopped := l.stopped
		l.mu.Unlock()
		for i, f := range batch {
			f()
			batch[i] = nil
		}
		if stopped && len(batch) == 0 {
			return
		}
		if len(batch) == 0 {
			<-l.wake
		}
	}
}

// stop makes the loop finish what is queued and exit.
func (l *loop) stop() {
	l.mu.Lock()
	l.stopped = true
	l.mu.Unlock()
	select {
	case l.wake <- struct{}{}:
	default:
	}
}

// timer is a netsim.Timer over time.AfterFunc whose callback runs on the
// loop. Stop is called on the loop too, so the stopped flag needs no lock
// beyond the one the loop's ordering already gives: a callback already posted
// checks it before running.
type timer struct {
	t       *time.Timer
	stopped bool
	fired   bool
}

// afterFunc runs f on the loop after d. A zero or negative d is posted to
// the loop's queue at once, behind what is already there, without a
// runtime timer: the driver's "process after everything queued" costs no
// trip through the timer goroutine.
func (l *loop) afterFunc(d time.Duration, f func()) *timer {
	tm := &timer{}
	fire := func() {
		if tm.stopped {
			return
		}
		tm.fired = true
		f()
	}
	if d <= 0 {
		l.post(fire)
		return tm
	}
	tm.t = time.AfterFunc(d, func() { l.post(fire) })
	return tm
}

func (tm *timer) Stop() bool {
	if tm.stopped || tm.fired {
		return false
	}
	tm.stopped = true
	if tm.t != nil {
		tm.t.Stop()
	}
	return true
}
