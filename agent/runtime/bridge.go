package runtime

import (
	"context"
	"fmt"

	"github.com/cairn-sd/cairn/agent/core"
	"github.com/cairn-sd/cairn/catalog"
)

// The HTTP handlers run on net/http's goroutines; the server runs on the
// Env's loop. These helpers are the only way between the two: each posts a
// closure to the loop and waits for its answer on a channel, or for the
// request's context to end.

// errShuttingDown answers requests that arrive while the loop has stopped.
var errShuttingDown = fmt.Errorf("agent is shutting down: %w", core.ErrStopped)

// apply encodes cmd, proposes it through Raft and waits for the catalog's
// Result. A Result refusing the command is returned as its error.
func (a *Agent) apply(ctx context.Context, cmd catalog.Command) (bool, error) {
	r, err := a.applyResult(ctx, cmd)
	if err != nil {
		return false, err
	}
	return r.OK, r.Err
}

// applyResult is apply for commands whose whole Result matters (a
// transaction's results and errors).
func (a *Agent) applyResult(ctx context.Context, cmd catalog.Command) (catalog.Result, error) {
	b, err := catalog.Encode(cmd)
	if err != nil {
		return catalog.Result{}, fmt.Errorf("encode command: %w", err)
	}
	type outcome struct {
		r   catalog.Result
		err error
	}
	o, err := onLoop(ctx, a, func(reply func(outcome)) {
		a.server.ApplyFor(requestToken(ctx), b, func(r catalog.Result, err error) { reply(outcome{r, err}) })
	})
	if err != nil {
		return catalog.Result{}, err
	}
	return o.r, o.err
}

// consistentRead waits until a read of the local catalog is linearizable.
func (a *Agent) consistentRead(ctx context.Context) error {
	err, lerr := onLoop(ctx, a, func(reply func(error)) { a.server.ConsistentRead(reply) })
	if lerr != nil {
		return lerr
	}
	return err
}

// leaderRead waits until the local catalog holds everything the leader
// had applied (default consistency).
func (a *Agent) leaderRead(ctx context.Context) error {
	err, lerr := onLoop(ctx, a, func(reply func(error)) { a.server.LeaderRead(reply) })
	if lerr != nil {
		return lerr
	}
	return err
}

// renewSession asks the leader to restart session id's TTL timer and
// reports whether the session exists.
func (a *Agent) renewSession(ctx context.Context, id string) (bool, error) {
	type outcome struct {
		found bool
		err   error
	}
	o, err := onLoop(ctx, a, func(reply func(outcome)) {
		a.server.RenewSessionFor(requestToken(ctx), id, func(found bool, err error) { reply(outcome{found, err}) })
	})
	if err != nil {
		return false, err
	}
	return o.found, o.err
}

// onLoop posts call to the loop and waits for the value it replies with,
// or for ctx to end. call must reply exactly once.
func onLoop[T any](ctx context.Context, a *Agent, call func(reply func(T))) (T, error) {
	ch := make(chan T, 1)
	var zero T
	if !a.env.Post(func() { call(func(v T) { ch <- v }) }) {
		return zero, errShuttingDown
	}
	select {
	case v := <-ch:
		return v, nil
	case <-ctx.Done():
		return zero, ctx.Err()
	}
}

// queryMeta fetches the server's leadership view from the loop.
func (a *Agent) queryMeta() (core.QueryMeta, error) {
	var m core.QueryMeta
	if !a.env.Do(func() { m = a.server.QueryMeta() }) {
		return m, errShuttingDown
	}
	return m, nil
}

// raftView fetches the leader's and the voters' Raft addresses.
func (a *Agent) raftView() (leader string, peers []string, err error) {
	if !a.env.Do(func() { leader, peers = a.server.Leader(), a.server.Peers() }) {
		return "", nil, errShuttingDown
	}
	return leader, peers, nil
}
