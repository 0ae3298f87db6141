package runtime

import (
	"context"
	"crypto/rand"
	"net/http"
	"sync"
	"time"

	"go.uber.org/zap"

	"github.com/cairn-sd/cairn/agent/core"
)

// A blocking query relayed by a client agent occupies a goroutine and a
// watch on the server until its wait ends. When the HTTP client that asked
// goes away first, the client agent tells the server to stop it: the
// relayed request carries a random ID, and methodHTTPCancel names it. The
// cancel goes the way the request went (to the client's preferred server,
// or on to another datacenter), so it is best effort: a cancel that
// reaches another server finds nothing to stop, and the query ends with
// its wait as before.

// methodHTTPCancel is the RPC that stops a relayed request; the body is
// its ID.
const methodHTTPCancel = "Agent.HTTPCancel"

// relayCancelTimeout bounds the cancel RPC.
const relayCancelTimeout = 5 * time.Second

// relayCancels are the cancel functions of the relayed requests a server
// is serving, by ID.
type relayCancels struct {
	mu sync.Mutex
	m  map[string]context.CancelFunc
}

// add records the cancel function of request id.
func (rc *relayCancels) add(id string, cancel context.CancelFunc) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if rc.m == nil {
		rc.m = map[string]context.CancelFunc{}
	}
	rc.m[id] = cancel
}

// remove forgets request id.
func (rc *relayCancels) remove(id string) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	delete(rc.m, id)
}

// cancel stops request id, if it is still being served.
func (rc *relayCancels) cancel(id string) bool {
	rc.mu.Lock()
	cancel, ok := rc.m[id]
	rc.mu.Unlock()
	if ok {
		cancel()
	}
	return ok
}

// relayID returns an ID for a relayed request that may block, "" for
// one that answers at once.
func relayID(r *http.Request) string {
	if r.URL.Query().Get("index") == "" {
		return ""
	}
	id, err := core.NewUUID(rand.Reader)
	if err != nil {
		return ""
	}
	return id
}

// registerRelayCancel makes a server stop relayed requests on demand.
func (a *Agent) registerRelayCancel() {
	a.server.RegisterRPC(methodHTTPCancel, func(body []byte, reply func([]byte, error)) {
		if a.relays.cancel(string(body)) {
			a.logger.Debug("stopped a relayed request its client gave up on")
		}
		reply(nil, nil)
	})
}

// cancelRelayed asks the server that serves relayed request id, in
// datacenter dc, to stop it; it does not wait for the answer.
func (a *Agent) cancelRelayed(dc, id string) {
	a.env.Post(func() {
		done := func(_ []byte, err error) {
			if err != nil {
				a.logger.Debug("cancelling a relayed request failed", zap.Error(err))
			}
		}
		if a.client != nil {
			a.client.CallDatacenter(dc, methodHTTPCancel, []byte(id), relayCancelTimeout, true, done)
			return
		}
		a.server.CallDatacenter(dc, methodHTTPCancel, []byte(id), relayCancelTimeout, true, done)
	})
}
