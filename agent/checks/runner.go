package checks

import (
	"context"
	"math/rand/v2"
	"sync"
	"time"

	"go.uber.org/zap"
)

// Notify receives every result of every check: status is "passing",
// "warning" or "critical", and output is the text a user sees in the
// check's Output field. The Runner calls it from the checks' own
// goroutines, so calls for different checks may run concurrently; calls
// for one check never overlap. Notify must not call back into the Runner.
type Notify func(checkID, status, output string)

// probe is one kind of check: it runs once and reports the state it
// found. It returns promptly when ctx is cancelled.
type probe interface {
	check(ctx context.Context) (status, output string)
}

// Runner runs HTTP and TCP checks, each on its own goroutine and timer,
// and reports every result to its Notify. Its methods are safe for
// concurrent use.
type Runner struct {
	notify Notify
	logger *zap.Logger
	// minInterval is the shortest interval a check runs at: MinInterval,
	// lowered only by this package's tests so that they run quickly.
	minInterval time.Duration

	mu sync.Mutex
	// current maps a check ID to the run that currently owns it.
	current map[string]*run
	// live holds every run whose goroutine has not exited yet, including
	// stopped ones still unwinding, so that StopAll can wait for them.
	live map[*run]struct{}
}

// run is one started check: its goroutine, and the means to stop it.
type run struct {
	id       string
	interval time.Duration
	probe    probe
	cancel   context.CancelFunc
	// done is closed when the goroutine has exited.
	done chan struct{}
}

// NewRunner returns a Runner that reports to notify and logs to logger
// (nil logs nothing). notify must not be nil.
func NewRunner(notify Notify, logger *zap.Logger) *Runner {
	if notify == nil {
		panic("checks: NewRunner needs a Notify")
	}
	if logger == nil {
		logger = zap.NewNop()
	}
	return &Runner{
		notify:      notify,
		logger:      logger,
		minInterval: MinInterval,
		current:     make(map[string]*run),
		live:        make(map[*run]struct{}),
	}
}

// Start begins running d, replacing (stopping) a running check with the
// same ID. The first run comes after a random stagger within the
// interval, so that an agent restarting with many checks does not fire
// them all at once; after that a run starts one Interval after the
// previous one ended. An invalid definition is refused with an error that
// wraps ErrInvalidDefinition, and a running check of that ID is left as
// it was. As with Stop, the replaced run may still deliver one result that
// was already on its way.
func (r *Runner) Start(d Definition) error {
	norm, err := d.normalize(r.minInterval)
	if err != nil {
		return err
	}
	if norm.Interval != d.Interval {
		r.logger.Warn("check interval below the minimum, raised",
			zap.String("check", d.ID), zap.Duration("interval", d.Interval),
			zap.Duration("minimum", norm.Interval))
	}
	var p probe
	switch {
	case norm.HTTP != "":
		p = newHTTPProbe(norm)
	case norm.TCP != "":
		p = newTCPProbe(norm)
	default:
		p = newScriptProbe(norm)
	}
	ctx, cancel := context.WithCancel(context.Background())
	c := &run{id: norm.ID, interval: norm.Interval, probe: p, cancel: cancel, done: make(chan struct{})}

	r.mu.Lock()
	if old := r.current[c.id]; old != nil {
		old.cancel()
	}
	r.current[c.id] = c
	r.live[c] = struct{}{}
	r.mu.Unlock()

	go r.loop(ctx, c, randomStagger(c.interval))
	return nil
}

// Stop stops the check with the given ID, if one runs, and cancels its
// request in flight. It does not wait for the goroutine: a result that
// was already being delivered when Stop was called may still reach Notify
// once, so the receiver should ignore results for checks it removed.
func (r *Runner) Stop(id string) {
	r.mu.Lock()
	c := r.current[id]
	delete(r.current, id)
	r.mu.Unlock()
	if c != nil {
		c.cancel()
	}
}

// StopAll stops every check and waits until all their goroutines have
// exited: once it returns, Notify is not called again for any check
// started before the call. The Runner stays usable. Because StopAll waits
// for a Notify in progress, its caller must not hold a lock that Notify
// takes.
func (r *Runner) StopAll() {
	r.mu.Lock()
	dones := make([]chan struct{}, 0, len(r.live))
	for c := range r.live {
		c.cancel()
		dones = append(dones, c.done)
	}
	clear(r.current)
	r.mu.Unlock()
	for _, done := range dones {
		<-done
	}
}

// loop is the goroutine of one check: wait, run, report, until cancelled.
func (r *Runner) loop(ctx context.Context, c *run, firstWait time.Duration) {
	defer r.exited(c)
	timer := time.NewTimer(firstWait)
	defer timer.Stop()
	lastStatus := ""
	for {
		select {
		case <-ctx.Done():
			return
		case <-timer.C:
		}
		status, output := c.probe.check(ctx)
		if ctx.Err() != nil {
			// Stopped mid-run: the failure is ours, not the service's.
			return
		}
		r.logResult(c.id, lastStatus, status)
		lastStatus = status
		r.notify(c.id, status, output)
		timer.Reset(c.interval)
	}
}

// logResult logs a result: at debug level every time, and at info level
// when the state changed. The output is never logged, because a response
// body or URL may carry a secret, and neither are header values.
func (r *Runner) logResult(id, before, after string) {
	if before != "" && before != after {
		r.logger.Info("check changed state", zap.String("check", id),
			zap.String("from", before), zap.String("to", after))
		return
	}
	r.logger.Debug("check ran", zap.String("check", id), zap.String("status", after))
}

// exited forgets a run whose goroutine is returning. Whoever cancelled
// it has already removed it from current.
func (r *Runner) exited(c *run) {
	r.mu.Lock()
	delete(r.live, c)
	r.mu.Unlock()
	close(c.done)
}

// randomStagger draws the wait before a check's first run, uniformly in
// [0, interval).
func randomStagger(interval time.Duration) time.Duration {
	return time.Duration(rand.Int64N(int64(interval)))
}
