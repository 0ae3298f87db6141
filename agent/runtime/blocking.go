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
		meta, err := a.queryMeta()
		if err != nil {
			return err
		}
		if mode != modeStale && !meta.KnownLeader {
			return errNoLeader
		}
		if err := a.catchUp(ctx, mode, first); err != nil {
			return err
		}
		ws := &catalog.WatchSet{}
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

// catchUp makes the local catalog fit for a read in mode: consistent
// confirms leadership every time; default (leader) mode catches up with
// the leader's applied index before the first read, so a client sees its
// own acknowledged writes through any server; stale reads as is.
func (a *Agent) catchUp(ctx context.Context, mode string, first bool) error {
	switch {
	case mode == modeConsistent:
		return a.consistentRead(ctx)
	case mode == modeLeader && first:
		return a.leaderRead(ctx)
	}
	return nil
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
