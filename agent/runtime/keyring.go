package runtime

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/cairn-sd/cairn/agent/core"
	"github.com/cairn-sd/cairn/swim"
	swimdriver "github.com/cairn-sd/cairn/swim/driver"
)

// /v1/operator/keyring runs a keyring operation on every gossip member
// through the server (core/keyring.go): GET lists the keys, POST installs
// one, PUT makes one primary, DELETE removes one. A client agent relays the
// request to a server like every request outside /v1/agent/, which is
// where Consul runs it too. The server covers the WAN pool and its own LAN
// pool, and hands the request on to a server of every other datacenter for
// theirs. The answer has Consul's shape, one entry per pool; when any
// member failed or did not answer, the request fails with 500 and Consul's
// per-pool error text, node by node.

// keyringRequest is the body of the writes, Consul's.
type keyringRequest struct {
	Key string
}

// keyringView is one pool's answers in Consul's KeyringResponse shape.
type keyringView struct {
	WAN         bool
	Datacenter  string
	Segment     string
	Messages    map[string]string
	Keys        map[string]int
	PrimaryKeys map[string]int
	NumNodes    int
}

// errKeyringNotServer refuses the endpoint on an agent that is not a
// server; a client agent relays it before it gets here.
var errKeyringNotServer = &httpError{http.StatusInternalServerError, "keyring operations run on servers"}

// missingMessage is the per-node message of a member that did not answer.
const missingMessage = "no answer before the query's deadline"

// operatorKeyring serves /v1/operator/keyring. Without ?local-only the
// server runs the operation on the WAN pool and its own LAN pool, then
// asks one server of every other datacenter it knows, with ?local-only,
// to run it on that datacenter's LAN pool; the answers are put together
// as Consul's are.
func (a *Agent) operatorKeyring(w http.ResponseWriter, r *http.Request, _ string) error {
	if a.server == nil {
		return errKeyringNotServer
	}
	relay, err := relayFactor(r)
	if err != nil {
		return err
	}
	localOnly := localOnlyParam(r)
	op := swim.KeyList
	var raw []byte
	var body keyringRequest
	if r.Method != http.MethodGet {
		if raw, err = readBody(r); err != nil {
			return err
		}
		if err := decodeJSON(raw, &body); err != nil {
			return err
		}
		op = map[string]swim.KeyOp{http.MethodPost: swim.KeyInstall, http.MethodPut: swim.KeyUse,
			http.MethodDelete: swim.KeyRemove}[r.Method]
		if _, err := swim.ParseKey(body.Key); err != nil {
			return badRequest("Invalid key: %v", err)
		}
	}
	type outcome struct {
		pools []core.KeyringResponse
		err   error
	}
	o, err := onLoop(r.Context(), a, func(reply func(outcome)) {
		a.server.KeyringOperation(op, body.Key, relay, !localOnly,
			func(p []core.KeyringResponse, err error) { reply(outcome{p, err}) })
	})
	if err != nil {
		return err
	}
	if o.err != nil {
		return fmt.Errorf("keyring %s: %w", op, o.err)
	}
	views := make([]keyringView, 0, len(o.pools))
	for _, p := range o.pools {
		views = append(views, viewOfKeyring(p))
	}
	failures := keyringFailures(o.pools)
	if !localOnly {
		for _, dc := range a.otherDatacenters() {
			remote, lines := a.keyringRemote(r, dc, raw)
			views, failures = append(views, remote...), append(failures, lines...)
		}
	}
	if len(failures) > 0 {
		return &httpError{http.StatusInternalServerError, strings.Join(failures, "\n")}
	}
	if op == swim.KeyList {
		writeJSON(w, r, views)
	}
	return nil
}

// localOnlyParam reads ?local-only (a bare flag counts as true).
func localOnlyParam(r *http.Request) bool {
	q := r.URL.Query()
	if !has(q, "local-only") {
		return false
	}
	on, err := strconv.ParseBool(q.Get("local-only"))
	return err != nil || on
}

// otherDatacenters lists the datacenters the WAN pool shows besides this
// one, sorted.
func (a *Agent) otherDatacenters() []string {
	var dcs []string
	a.env.Do(func() { dcs = a.server.Datacenters() })
	dcs = slices.DeleteFunc(dcs, func(dc string) bool { return dc == a.cfg.Datacenter })
	slices.Sort(dcs)
	return dcs
}

// keyringRemote runs the request on the LAN pool of datacenter dc through
// one of its servers (body is the request's JSON body), and returns that
// pool's views and failure lines.
func (a *Agent) keyringRemote(r *http.Request, dc string, body []byte) ([]keyringView, []string) {
	u := *r.URL
	q := u.Query()
	q.Del("dc")
	q.Set("local-only", "true")
	u.RawQuery = q.Encode()
	req := r.Clone(r.Context())
	req.URL = &u
	req.Body = io.NopCloser(bytes.NewReader(body))
	req.ContentLength = int64(len(body))
	rec := &recorder{header: http.Header{}, status: http.StatusOK}
	if err := a.relayTo(rec, req, dc); err != nil {
		return nil, []string{fmt.Sprintf("%s (LAN) error: %v", dc, err)}
	}
	if rec.status != http.StatusOK {
		return nil, strings.Split(strings.TrimSpace(rec.body.String()), "\n")
	}
	if r.Method != http.MethodGet {
		return nil, nil
	}
	var views []keyringView
	if err := json.Unmarshal(rec.body.Bytes(), &views); err != nil {
		return nil, []string{fmt.Sprintf("%s (LAN) error: bad answer: %v", dc, err)}
	}
	return views, nil
}

// relayFactor reads ?relay-factor, Consul's bounds included.
func relayFactor(r *http.Request) (int, error) {
	s := r.URL.Query().Get("relay-factor")
	if s == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 || n > swim.MaxRelayFactor {
		return 0, badRequest("Relay factor must be in range: [0, %d]", swim.MaxRelayFactor)
	}
	return n, nil
}

// viewOfKeyring counts each key's holders and primaries in one pool.
func viewOfKeyring(p core.KeyringResponse) keyringView {
	v := keyringView{WAN: p.WAN, Datacenter: p.Datacenter, Messages: map[string]string{},
		Keys: map[string]int{}, PrimaryKeys: map[string]int{}, NumNodes: p.Result.NumNodes()}
	for _, ans := range p.Result.Answers {
		if ans.Err != "" {
			v.Messages[ans.Node] = ans.Err
		}
		for i, k := range ans.Keys {
			v.Keys[k]++
			if i == 0 {
				v.PrimaryKeys[k]++
			}
		}
	}
	for _, node := range p.Result.Missing {
		v.Messages[node] = missingMessage
	}
	return v
}

// keyringFailures is empty when every member of every pool succeeded,
// else the lines of Consul's error: per pool "<pool> error: n/m nodes
// reported failure" (or "k/m nodes reported success" when some stayed
// silent), then each failing node's message. Messages never hold key
// material.
func keyringFailures(pools []core.KeyringResponse) []string {
	var lines []string
	for _, p := range pools {
		failed := p.Result.Failed()
		if failed == 0 {
			continue
		}
		name := p.Datacenter + " (LAN)"
		if p.WAN {
			name = "WAN"
		}
		lines = append(lines, fmt.Sprintf("%s error: %s", name, keyringSummary(p.Result)))
		for _, ans := range p.Result.Answers {
			if ans.Err != "" {
				lines = append(lines, fmt.Sprintf("%s: %s", ans.Node, ans.Err))
			}
		}
		for _, node := range p.Result.Missing {
			lines = append(lines, fmt.Sprintf("%s: %s", node, missingMessage))
		}
	}
	return lines
}

// keyringSummary is Serf's one-line account of a pool that failed.
func keyringSummary(r swimdriver.KeyringResult) string {
	if errs := r.Failed() - len(r.Missing); errs > 0 {
		return fmt.Sprintf("%d/%d nodes reported failure", errs, r.NumNodes())
	}
	return fmt.Sprintf("%d/%d nodes reported success", len(r.Answers), r.NumNodes())
}
