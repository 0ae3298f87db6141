package runtime

import (
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"strings"
	"time"

	"github.com/cairn-sd/cairn/acl"
	"github.com/cairn-sd/cairn/catalog"
)

// Session TTL bounds, as Consul's session_ttl_min default and its fixed
// maximum.
const (
	sessionTTLMin = 10 * time.Second
	sessionTTLMax = 24 * time.Hour
)

// serfHealthCheck is the check a session depends on when its creator
// names none, as in Consul.
const serfHealthCheck = "serfHealth"

// sessionBody is the body of PUT /v1/session/create. Check lists are
// pointers so that an absent list (take the default, serfHealth, even
// when ServiceChecks are given, as Consul's prefilled body does) differs
// from an empty one (no node checks). LockDelay is a duration string
// ("15s") or a number of nanoseconds (see parseLockDelay).
type sessionBody struct {
	Name          string
	Node          string
	LockDelay     json.RawMessage
	Checks        *[]string
	NodeChecks    *[]string
	ServiceChecks []catalog.ServiceCheck
	Behavior      string
	TTL           string
}

// sessionCreate serves PUT /v1/session/create: it draws the session's ID,
// proposes the session and answers {"ID": id}.
func (a *Agent) sessionCreate(w http.ResponseWriter, r *http.Request, _ string) error {
	b, err := readBody(r)
	if err != nil {
		return err
	}
	req, err := decodeSession(b, a.cfg.NodeName)
	if err != nil {
		return err
	}
	if err := permission(authz(r).SessionWrite(req.Session.Node)); err != nil {
		return err
	}
	if _, err := a.apply(r.Context(), req); err != nil {
		return err
	}
	writeJSON(w, r, struct{ ID string }{req.Session.ID})
	return nil
}

// decodeSession decodes and validates a create body (empty means all
// defaults) and turns it into a command with a fresh random ID; node is
// the session's node when the body names none.
func decodeSession(b []byte, node string) (*catalog.SessionCreateRequest, error) {
	var body sessionBody
	if len(b) > 0 {
		if err := decodeJSON(b, &body); err != nil {
			return nil, err
		}
	}
	delay, err := parseLockDelay(body.LockDelay)
	if err != nil {
		return nil, err
	}
	ttl, err := checkSessionTTL(body.TTL)
	if err != nil {
		return nil, err
	}
	id, err := newUUID()
	if err != nil {
		return nil, fmt.Errorf("session ID: %w", err)
	}
	sess := catalog.Session{ID: id, Name: body.Name, Node: body.Node, LockDelay: delay,
		Behavior: body.Behavior, TTL: ttl, ServiceChecks: body.ServiceChecks}
	if sess.Node == "" {
		sess.Node = node
	}
	switch {
	case body.NodeChecks != nil:
		sess.NodeChecks = *body.NodeChecks
	case body.Checks != nil:
		sess.NodeChecks = *body.Checks
	default:
		sess.NodeChecks = []string{serfHealthCheck}
	}
	if sess.NodeChecks == nil {
		sess.NodeChecks = []string{}
	}
	return &catalog.SessionCreateRequest{Session: sess, DisableLockDelay: len(body.LockDelay) > 0 && delay == 0}, nil
}

// lockDelaySecondsBelow is Consul's threshold under which a LockDelay is
// taken as seconds: users send 5 meaning five seconds, not nanoseconds.
const lockDelaySecondsBelow = 1000

// parseLockDelay reads a LockDelay: absent is zero (the default), a string
// is a Go duration, a number is nanoseconds; either, below
// lockDelaySecondsBelow, counts seconds instead, as in Consul.
func parseLockDelay(raw json.RawMessage) (time.Duration, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return 0, nil
	}
	var d time.Duration
	var s string
	if err := json.Unmarshal(raw, &s); err == nil {
		d, err = time.ParseDuration(s)
		if err != nil {
			return 0, badRequest("Request decode failed: invalid LockDelay %q: %v", s, err)
		}
	} else {
		var n float64
		if err := json.Unmarshal(raw, &n); err != nil {
			return 0, badRequest("Request decode failed: LockDelay must be a duration string or a number of nanoseconds")
		}
		if n > math.MaxInt64 || n < math.MinInt64 {
			return 0, badRequest("Request decode failed: LockDelay %v is out of range", n)
		}
		d = time.Duration(n)
	}
	if d < 0 {
		return 0, badRequest("Request decode failed: LockDelay must not be negative")
	}
	if d < lockDelaySecondsBelow {
		d *= time.Second
	}
	return d, nil
}

// checkSessionTTL refuses a TTL that does not parse or lies outside
// Consul's bounds, with Consul's messages, and returns the TTL to store:
// empty for none, which a zero TTL ("0s") also means.
func checkSessionTTL(ttl string) (string, error) {
	if ttl == "" {
		return "", nil
	}
	d, err := time.ParseDuration(ttl)
	if err != nil {
		return "", badRequest("Request decode failed: Session TTL '%s' invalid: %v", ttl, err)
	}
	if d == 0 {
		return "", nil
	}
	if d < sessionTTLMin || d > sessionTTLMax {
		return "", badRequest("Invalid Session TTL '%d', must be between [%v=%v]", d, sessionTTLMin, sessionTTLMax)
	}
	return ttl, nil
}

// sessionID takes the session ID from a path, refusing an empty one.
func sessionID(rest string) (string, error) {
	id := strings.TrimPrefix(rest, "/")
	if id == "" {
		return "", badRequest("Missing session")
	}
	return id, nil
}

// sessionDestroy serves PUT /v1/session/destroy/<id>; destroying an
// unknown session succeeds.
func (a *Agent) sessionDestroy(w http.ResponseWriter, r *http.Request, rest string) error {
	id, err := sessionID(rest)
	if err != nil {
		return err
	}
	if err := a.sessionWritable(r, id); err != nil {
		return err
	}
	cmd := &catalog.SessionDestroyRequest{ID: id, Now: catalog.TimestampOf(a.env.Now())}
	if _, err := a.apply(r.Context(), cmd); err != nil {
		return err
	}
	writeBool(w, true)
	return nil
}

// sessionRenew serves PUT /v1/session/renew/<id>: the leader restarts the
// session's TTL timer, and the answer is the session, or 404 if it is gone.
func (a *Agent) sessionRenew(w http.ResponseWriter, r *http.Request, rest string) error {
	id, err := sessionID(rest)
	if err != nil {
		return err
	}
	if err := a.sessionWritable(r, id); err != nil {
		return err
	}
	found, err := a.renewSession(r.Context(), id)
	if err != nil {
		return err
	}
	if !found {
		return notFound("Session id '%s' not found", id)
	}
	_, sess := a.server.Catalog().SessionGet(nil, id)
	if sess == nil {
		// The leader has the session but this server has not applied it
		// yet: wait until it has.
		if err := a.consistentRead(r.Context()); err != nil {
			return err
		}
		_, sess = a.server.Catalog().SessionGet(nil, id)
	}
	if sess == nil {
		return notFound("Session id '%s' not found", id)
	}
	writeJSON(w, r, []*catalog.Session{sess})
	return nil
}

// sessionInfo serves GET /v1/session/info/<id>: [] or [session].
func (a *Agent) sessionInfo(w http.ResponseWriter, r *http.Request, rest string) error {
	id, err := sessionID(rest)
	if err != nil {
		return err
	}
	st := a.server.Catalog()
	return a.serveRead(w, r, func(ws *catalog.WatchSet) (uint64, any, error) {
		idx, sess := st.SessionGet(ws, id)
		if sess == nil || authz(r).SessionRead(sess.Node) != acl.Allow {
			return idx, []*catalog.Session{}, nil
		}
		return idx, []*catalog.Session{sess}, nil
	})
}

// sessionNode serves GET /v1/session/node/<node>.
func (a *Agent) sessionNode(w http.ResponseWriter, r *http.Request, rest string) error {
	node := strings.TrimPrefix(rest, "/")
	if node == "" {
		return badRequest("Missing node name")
	}
	st := a.server.Catalog()
	return a.serveRead(w, r, func(ws *catalog.WatchSet) (uint64, any, error) {
		idx, list := st.NodeSessions(ws, node)
		return idx, nonNilSessions(readableSessions(authz(r), list)), nil
	})
}

// sessionList serves GET /v1/session/list.
func (a *Agent) sessionList(w http.ResponseWriter, r *http.Request, _ string) error {
	st := a.server.Catalog()
	return a.serveRead(w, r, func(ws *catalog.WatchSet) (uint64, any, error) {
		idx, list := st.SessionList(ws)
		return idx, nonNilSessions(readableSessions(authz(r), list)), nil
	})
}

// readableSessions keeps the sessions the token may read.
func readableSessions(az *acl.Authorizer, list []*catalog.Session) []*catalog.Session {
	return visible(az, list, func(az *acl.Authorizer, s *catalog.Session) bool { return az.SessionRead(s.Node) == acl.Allow })
}

// sessionWritable refuses to destroy or renew a session on a node the
// token may not write sessions for. An unknown session passes: the
// operation then answers as it does without ACLs.
func (a *Agent) sessionWritable(r *http.Request, id string) error {
	_, sess := a.server.Catalog().SessionGet(nil, id)
	if sess == nil {
		return nil
	}
	return permission(authz(r).SessionWrite(sess.Node))
}

// nonNilSessions answers an empty list as [], never null.
func nonNilSessions(list []*catalog.Session) []*catalog.Session {
	if list == nil {
		return []*catalog.Session{}
	}
	return list
}
