package runtime

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"go.uber.org/zap"

	"github.com/cairn-sd/cairn/agent/core"
)

// A client agent keeps no catalog. Every request outside /v1/agent/ is
// relayed to a server of its datacenter over cairn's RPC (the client
// picks the server and retries on another, see core.Client), and the
// server answers it with its own HTTP handler, blocking queries included.
// The client then writes the server's answer, status, headers and body,
// as its own. A blocking query is parked at both ends while it waits
// (park.go). The agent endpoints are the client's own: they act on its
// local state.
//
// A request for another datacenter (?dc=) is relayed the same way to a
// server of that datacenter, found in the WAN pool (core/wan.go), which
// serves it as its own; the consistency mode and blocking parameters
// travel with it. A client sends it through a server of its own.

// methodHTTP is the RPC method that carries a relayed request.
const methodHTTP = "Agent.HTTP"

// relayVersion is the version of the relay's wire format.
const relayVersion = 1

// maxRelayBodyBytes caps a relayed request's body; the server applies the
// endpoint's own, smaller limit.
const maxRelayBodyBytes = 8 << 20

// relayMargin is added to a blocking query's wait for the relay's RPC
// deadline; relayTimeout bounds a request that does not block.
const (
	relayMargin  = 30 * time.Second
	relayTimeout = 60 * time.Second
)

// relayedHeaders are the request headers a relay carries.
var relayedHeaders = []string{"X-Consul-Token", "Content-Type", "Authorization"}

// relayRequest is a relayed HTTP request.
type relayRequest struct {
	Version  int
	Method   string
	Path     string
	RawQuery string
	Header   http.Header
	Body     []byte
	// ID names a request that may block, so that the client can stop it
	// (relaycancel.go); empty for one that answers at once.
	ID string `json:",omitempty"`
}

// relayResponse is the server's answer to a relayed request.
type relayResponse struct {
	Version int
	Status  int
	Header  http.Header
	Body    []byte
}

// relay serves a request on a client agent by relaying it to a server.
func (a *Agent) relay(w http.ResponseWriter, r *http.Request, _ string) error {
	return a.relayTo(w, r, a.cfg.Datacenter)
}

// relayTo relays a request to a server of datacenter dc.
func (a *Agent) relayTo(w http.ResponseWriter, r *http.Request, dc string) error {
	body, err := readLimited(r, maxRelayBodyBytes)
	if err != nil {
		return err
	}
	req := relayRequest{Version: relayVersion, Method: r.Method, Path: r.URL.Path,
		RawQuery: a.localNear(r.URL), Header: http.Header{}, Body: a.localSessionNode(r.URL.Path, body), ID: relayID(r)}
	for _, h := range relayedHeaders {
		if v := r.Header.Values(h); len(v) > 0 {
			req.Header[h] = v
		}
	}
	b, err := json.Marshal(req)
	if err != nil {
		return fmt.Errorf("encode relayed request: %w", err)
	}
	timeout := relayDeadline(r)
	if req.ID != "" && a.parkRelayed(w, r, relayCall{dc: dc, key: relayKey(dc, req), body: b, id: req.ID, timeout: timeout}) {
		return errParked
	}
	type outcome struct {
		resp []byte
		err  error
	}
	o, err := onLoop(r.Context(), a, func(reply func(outcome)) {
		a.callRelay(dc, b, timeout, r.Method == http.MethodGet, func(resp []byte, err error) { reply(outcome{resp, err}) })
	})
	if err != nil {
		if req.ID != "" && r.Context().Err() != nil {
			a.cancelRelayed(dc, req.ID)
		}
		return err
	}
	return writeRelayed(w, o.resp, o.err)
}

// callRelay sends a relayed request to a server of dc (through this
// agent's servers when it is a client); answer is called on the loop.
func (a *Agent) callRelay(dc string, b []byte, timeout time.Duration, read bool, answer func([]byte, error)) {
	if a.client != nil {
		a.client.CallDatacenter(dc, methodHTTP, b, timeout, read, answer)
		return
	}
	a.server.CallDatacenter(dc, methodHTTP, b, timeout, read, answer)
}

// relayCall is one relayed blocking request: the datacenter it goes to,
// its encoded body and ID, the RPC's timeout, and the key that identical
// requests share.
type relayCall struct {
	dc      string
	key     string
	body    []byte
	id      string
	timeout time.Duration
}

// relayKey identifies a relayed request apart from its ID: everything the
// server will see, so that requests with the same key get the same answer.
func relayKey(dc string, req relayRequest) string {
	req.ID = ""
	b, err := json.Marshal(req)
	if err != nil {
		return ""
	}
	return dc + "\x00" + string(b)
}

// parkRelayed relays a blocking request with its connection parked (see
// park.go and park_relay.go): no goroutine waits for the server's answer,
// which the lot's workers write when it comes, and a request identical to
// one already relayed and unanswered joins it instead of sending its own.
// It reports false when the request cannot be parked.
func (a *Agent) parkRelayed(w http.ResponseWriter, r *http.Request, call relayCall) bool {
	var g *relayGroup
	var first bool
	if !a.parking.take(w, r, func(pk *parked) {
		g, first = a.parking.joinRelayGroup(pk, call.key, func() { a.cancelRelayed(call.dc, call.id) })
	}) {
		return false
	}
	if !first {
		return true
	}
	answered := func(resp []byte, err error) { a.parking.relayGroupAnswered(call.key, g, resp, err) }
	if !a.env.Post(func() { a.callRelay(call.dc, call.body, call.timeout, true, answered) }) {
		answered(nil, errShuttingDown)
	}
	return true
}

// writeRelayed writes a server's answer to a relayed request, or returns
// the error to answer instead.
func writeRelayed(w http.ResponseWriter, b []byte, callErr error) error {
	if errors.Is(callErr, core.ErrNoPath) {
		return errNoPath
	}
	if callErr != nil {
		return fmt.Errorf("rpc error making call: %w", callErr)
	}
	var resp relayResponse
	if err := json.Unmarshal(b, &resp); err != nil || resp.Version != relayVersion {
		return fmt.Errorf("bad relayed answer from server (version %d): %v", resp.Version, err)
	}
	for k, v := range resp.Header {
		w.Header()[k] = v
	}
	w.WriteHeader(resp.Status)
	w.Write(resp.Body)
	return nil
}

// localNear rewrites ?near=_agent to this agent's node name, since the
// server that answers is another agent.
func (a *Agent) localNear(u *url.URL) string {
	q := u.Query()
	if q.Get("near") != "_agent" {
		return u.RawQuery
	}
	q.Set("near", a.cfg.NodeName)
	return q.Encode()
}

// localSessionNode names this agent as the node of a session created
// through it when the body names none, as Consul's agents do: the session
// then ends when this agent fails, not when the server that answers does.
// A body that does not decode is relayed as it is, for the server to refuse.
func (a *Agent) localSessionNode(path string, body []byte) []byte {
	if path != "/v1/session/create" {
		return body
	}
	fields := map[string]json.RawMessage{}
	if len(bytes.TrimSpace(body)) > 0 {
		if err := json.Unmarshal(body, &fields); err != nil || fields == nil {
			return body
		}
	}
	for k, raw := range fields {
		var node string
		if strings.EqualFold(k, "Node") && json.Unmarshal(raw, &node) == nil && node != "" {
			return body
		}
		if strings.EqualFold(k, "Node") {
			delete(fields, k)
		}
	}
	fields["Node"], _ = json.Marshal(a.cfg.NodeName)
	out, err := json.Marshal(fields)
	if err != nil {
		return body
	}
	return out
}

// relayDeadline is the RPC deadline of a relayed request: a blocking
// query's longest wait with its jitter, plus a margin.
func relayDeadline(r *http.Request) time.Duration {
	q := r.URL.Query()
	if idx, err := strconv.ParseUint(q.Get("index"), 10, 64); err != nil || idx == 0 {
		return relayTimeout
	}
	opts, err := parseQueryOptions(q)
	if err != nil {
		return relayTimeout
	}
	return opts.wait + opts.wait/16 + relayMargin
}

// registerRelay makes a server answer relayed requests. Each runs on its
// own goroutine, as a request on the HTTP port would; a blocking query
// that parks (park.go) gives the goroutine up and replies when answered.
func (a *Agent) registerRelay() {
	a.registerRelayCancel()
	a.server.RegisterRPC(methodHTTP, func(body []byte, reply func([]byte, error)) {
		send := func(resp []byte, err error) {
			if !a.env.Post(func() { reply(resp, err) }) {
				a.logger.Debug("agent stopped before a relayed answer was sent")
			}
		}
		go func() {
			if resp, err, parked := a.serveRelayed(body, send); !parked {
				send(resp, err)
			}
		}()
	})
}

// serveRelayed answers one relayed request with the agent's handler. It
// reports parked when a blocking query parked instead: send then carries
// its answer when it comes.
func (a *Agent) serveRelayed(body []byte, send func([]byte, error)) (resp []byte, err error, parked bool) {
	var req relayRequest
	if err := json.Unmarshal(body, &req); err != nil {
		return nil, fmt.Errorf("decode relayed request: %w", err), false
	}
	if req.Version != relayVersion {
		return nil, fmt.Errorf("relayed request of unknown version %d", req.Version), false
	}
	if strings.HasPrefix(req.Path, "/v1/agent/") {
		return nil, fmt.Errorf("agent endpoints are not relayed: %s", req.Path), false
	}
	ctx, cancel := context.WithTimeout(a.baseCtx, maxWait+maxWait/16+relayMargin)
	defer cancel()
	hr, err := http.NewRequestWithContext(ctx, req.Method, req.Path+"?"+req.RawQuery, bytes.NewReader(req.Body))
	if err != nil {
		return nil, fmt.Errorf("relayed request: %w", err), false
	}
	hr.Header = req.Header
	hr.RemoteAddr = "relay"
	rec := &recorder{header: http.Header{}, status: http.StatusOK}
	rec.deliver = func(rw *rawResponse) {
		a.relays.remove(req.ID)
		send(rw.relayEncoding())
	}
	if req.ID != "" {
		a.relays.add(req.ID, func() {
			cancel()
			rec.dropParked()
		})
	}
	a.httpServer.Handler.ServeHTTP(rec, hr)
	if rec.isParked() {
		return nil, nil, true
	}
	a.relays.remove(req.ID)
	a.logger.Debug("answered a relayed request", zap.String("path", req.Path), zap.Int("status", rec.status))
	resp, err = encodeRelayed(rec.status, rec.header, rec.body.Bytes())
	return resp, err, false
}

// encodeRelayed encodes the answer to a relayed request.
func encodeRelayed(status int, header http.Header, body []byte) ([]byte, error) {
	return json.Marshal(relayResponse{Version: relayVersion, Status: status, Header: header, Body: body})
}

// relayEncoding is the response encoded as the answer to a relayed
// request. A batch of parked queries shares one response, which is
// encoded for the first and reused for the others; they are answered on
// one goroutine.
func (w *rawResponse) relayEncoding() ([]byte, error) {
	if w.relayed != nil {
		return w.relayed, nil
	}
	b, err := encodeRelayed(w.code(), w.header, w.body.Bytes())
	if err == nil {
		w.relayed = b
	}
	return b, err
}

// recorder is the http.ResponseWriter of a relayed request. A blocking
// query may park on it (park.go): deliver then sends its answer, and drop,
// set once it parked, forgets it when the relaying agent cancels.
type recorder struct {
	header      http.Header
	status      int
	wroteHeader bool
	body        bytes.Buffer
	deliver     func(*rawResponse)

	mu   sync.Mutex
	drop func()
}

// parkedAs records that a query parked on the recorder, and how to drop it.
func (r *recorder) parkedAs(drop func()) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.drop = drop
}

func (r *recorder) isParked() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.drop != nil
}

// dropParked drops the query parked on the recorder, if one is.
func (r *recorder) dropParked() {
	r.mu.Lock()
	drop := r.drop
	r.mu.Unlock()
	if drop != nil {
		drop()
	}
}

func (r *recorder) Header() http.Header { return r.header }

func (r *recorder) WriteHeader(status int) {
	if !r.wroteHeader {
		r.status, r.wroteHeader = status, true
	}
}

func (r *recorder) Write(b []byte) (int, error) {
	r.WriteHeader(http.StatusOK)
	return r.body.Write(b)
}
