package runtime

import (
	"context"
	"math/rand/v2"
	"net/http"
	"reflect"
	"time"

	"github.com/cairn-sd/cairn/agent/core"
	"github.com/cairn-sd/cairn/catalog"
)

// readFunc reads the catalog for one answer of a read endpoint. It adds
// what it depends on to ws (for blocking) and returns the index to answer
// with and the value to answer: any JSON value, a rawValue, or missing.
type readFunc func(ws *catalog.WatchSet) (uint64, any, error)

// rawValue is answered as is, not as JSON (?raw).
type rawValue []byte

// missing is answered as a 404 with the index headers and an empty body.
type missing struct{}

// Consistency modes, as reported in X-Consul-Effective-Consistency.
const (
	modeLeader     = "leader"
	modeStale      = "stale"
	modeConsistent = "consistent"
)

// serveRead answers a read endpoint under Consul's consistency and blocking
// rules. Without ?index, or with index 0, it answers at once. Otherwise it
// answers as soon as the read's index passes the given one, or when ?wait
// (default 5 minutes, at most 10, plus jitter up to wait/16) runs out, with
// the data as it then is. It gives up, answering nothing, when the client
// disconnects.
func (a *Agent) serveRead(w http.ResponseWriter, r *http.Request, read readFunc) error {
	opts, err := parseQueryOptions(r.URL.Query())
	if err != nil {
		return err
	}
	mode := modeLeader
	switch {
	case opts.stale:
		mode = modeStale
	case opts.consistent:
		mode = modeConsistent
	}
	ctx := r.Context()
	var expired <-chan time.Time
	if opts.minIndex > 0 {
		wait := opts.wait + time.Duration(rand.Int64N(int64(opts.wait/16)+1))
		t := time.NewTimer(wait)
		defer t.Stop()
		expired = t.C
	}
	for first := true; ; first = false {
		meta, err := a.prepareRead(ctx, mode, first)
		if err != nil {
			return err
		}
		// A nil WatchSet watches nothing: a read that cannot block
		// leaves no notifier behind in the catalog's watch registry.
		var ws *catalog.WatchSet
		if opts.minIndex > 0 {
			ws = &catalog.WatchSet{}
		}
		index, v, err := read(ws)
		if err != nil {
			return err
		}
		if opts.minIndex == 0 || index > opts.minIndex {
			return answer(w, r, index, meta, mode, v)
		}
		a.waiting.Add(1)
		changed, err := waitChange(ctx, ws, expired)
		a.waiting.Add(-1)
		if err != nil {
			return err
		}
		if !changed {
			return answer(w, r, index, meta, mode, v)
		}
	}
}

// prepareRead fetches the server's leadership view and makes the local
// catalog fit for a read in mode, in one trip to the loop: consistent
// confirms leadership every time; default (leader) mode catches up with
// the leader's applied index before the first read, so a client sees its
// own acknowledged writes through any server; stale reads as is. Every
// mode but stale refuses to read without a known leader.
func (a *Agent) prepareRead(ctx context.Context, mode string, first bool) (core.QueryMeta, error) {
	type outcome struct {
		meta core.QueryMeta
		err  error
	}
	o, err := onLoop(ctx, a, func(reply func(outcome)) {
		meta := a.server.QueryMeta()
		done := func(err error) { reply(outcome{meta, err}) }
		switch {
		case mode != modeStale && !meta.KnownLeader:
			done(errNoLeader)
		case mode == modeConsistent:
			a.server.ConsistentRead(done)
		case mode == modeLeader && first:
			a.server.LeaderRead(done)
		default:
			done(nil)
		}
	})
	if err != nil {
		return core.QueryMeta{}, err
	}
	return o.meta, o.err
}

// waitChange waits until a watched key changes (true), the wait expires
// (false) or the client goes away (ctx's error).
func waitChange(ctx context.Context, ws *catalog.WatchSet, expired <-chan time.Time) (bool, error) {
	chans := ws.Channels()
	cases := make([]reflect.SelectCase, 0, len(chans)+2)
	cases = append(cases,
		reflect.SelectCase{Dir: reflect.SelectRecv, Chan: reflect.ValueOf(ctx.Done())},
		reflect.SelectCase{Dir: reflect.SelectRecv, Chan: reflect.ValueOf(expired)})
	for _, ch := range chans {
		cases = append(cases, reflect.SelectCase{Dir: reflect.SelectRecv, Chan: reflect.ValueOf(ch)})
	}
	chosen, _, _ := reflect.Select(cases)
	switch chosen {
	case 0:
		return false, ctx.Err()
	case 1:
		return false, nil
	}
	return true, nil
}

// answer writes a read's headers and value.
func answer(w http.ResponseWriter, r *http.Request, index uint64, meta core.QueryMeta, mode string, v any) error {
	setQueryMeta(w, index, meta, mode)
	switch v := v.(type) {
	case missing:
		w.WriteHeader(http.StatusNotFound)
	case rawValue:
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		w.Write(v)
	default:
		writeJSON(w, r, v)
	}
	return nil
}
