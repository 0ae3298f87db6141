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
	b, err := catalog.Encode(cmd)
	if err != nil {
		return false, fmt.Errorf("encode command: %w", err)
	}
	type outcome struct {
		r   catalog.Result
		err error
	}
	ch := make(chan outcome, 1)
	if !a.env.Post(func() { a.server.Apply(b, func(r catalog.Result, err error) { ch <- outcome{r, err} }) }) {
		return false, errShuttingDown
	}
	select {
	case o := <-ch:
		if o.err != nil {
			return false, o.err
		}
		return o.r.OK, o.r.Err
	case <-ctx.Done():
		return false, ctx.Err()
	}
}

// consistentRead waits until a read of the local catalog is linearizable.
func (a *Agent) consistentRead(ctx context.Context) error {
	ch := make(chan error, 1)
	if !a.env.Post(func() { a.server.ConsistentRead(func(err error) { ch <- err }) }) {
		return errShuttingDown
	}
	select {
	case err := <-ch:
		return err
	case <-ctx.Done():
		return ctx.Err()
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
