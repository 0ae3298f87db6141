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
// disconnects. A query that must wait on a plain HTTP/1.1 connection is
// parked (park.go): it gives its connection and goroutine up and is
// resumed by the change or the deadline.
func (a *Agent) serveRead(w http.ResponseWriter, r *http.Request, read readFunc) error {
	q, err := a.newBlockingRead(r, read)
	if err != nil {
		return err
	}
	ctx := r.Context()
	var expired <-chan time.Time
	if q.blocks() {
		t := time.NewTimer(time.Until(q.deadline))
		defer t.Stop()
		expired = t.C
	}
	for first := true; ; first = false {
		ans, ws, err := q.attempt(ctx, first)
		if err != nil {
			return err
		}
		if q.satisfiedBy(ans.index) {
			return ans.write(w, r)
		}
		if a.parking.park(w, q, ws) {
			return errParked
		}
		a.waiting.Add(1)
		changed, err := waitChange(ctx, ws, expired)
		a.waiting.Add(-1)
		if err != nil {
			return err
		}
		if !changed {
			return ans.write(w, r)
		}
	}
}

// blockingRead is one read request under the blocking rules, kept apart
// from the goroutine that serves it so that a parked query can be resumed
// on another.
type blockingRead struct {
	a        *Agent
	r        *http.Request
	read     readFunc
	minIndex uint64
	mode     string
	// deadline is when a blocking query answers with what it has; zero
	// when it does not block.
	deadline time.Time
}

func (a *Agent) newBlockingRead(r *http.Request, read readFunc) (*blockingRead, error) {
	opts, err := parseQueryOptions(r.URL.Query())
	if err != nil {
		return nil, err
	}
	q := &blockingRead{a: a, r: r, read: read, minIndex: opts.minIndex, mode: modeLeader}
	switch {
	case opts.stale:
		q.mode = modeStale
	case opts.consistent:
		q.mode = modeConsistent
	}
	if opts.minIndex > 0 {
		q.deadline = time.Now().Add(opts.wait + time.Duration(rand.Int64N(int64(opts.wait/16)+1)))
	}
	return q, nil
}

// blocks reports whether the request asked to block (?index above 0).
func (q *blockingRead) blocks() bool { return q.minIndex > 0 }

// satisfiedBy reports whether an answer at index may go out before the
// deadline.
func (q *blockingRead) satisfiedBy(index uint64) bool { return !q.blocks() || index > q.minIndex }

// readAnswer is what one attempt read, ready to be written.
type readAnswer struct {
	q     *blockingRead
	index uint64
	meta  core.QueryMeta
	v     any
}

// attempt reads once. It returns the answer and, for a blocking query, the
// WatchSet to wait on should the answer not satisfy it yet.
func (q *blockingRead) attempt(ctx context.Context, first bool) (readAnswer, *catalog.WatchSet, error) {
	meta, err := q.a.prepareRead(ctx, q.mode, first)
	if err != nil {
		return readAnswer{}, nil, err
	}
	// A nil WatchSet watches nothing: a read that cannot block leaves no
	// notifier behind in the catalog's watch registry.
	var ws *catalog.WatchSet
	if q.blocks() {
		ws = &catalog.WatchSet{}
	}
	index, v, err := q.read(ws)
	if err != nil {
		return readAnswer{}, nil, err
	}
	return readAnswer{q: q, index: index, meta: meta, v: v}, ws, nil
}

// write answers the request with the read's headers and value.
func (ans readAnswer) write(w http.ResponseWriter, r *http.Request) error {
	return answer(w, r, ans.index, ans.meta, ans.q.mode, ans.v)
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
