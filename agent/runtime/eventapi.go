package runtime

import (
	"context"
	"crypto/rand"
	"net/http"
	"regexp"

	"github.com/cairn-sd/cairn/acl"
	"github.com/cairn-sd/cairn/agent/core"
	"github.com/cairn-sd/cairn/swim"
)

// agentEventFire serves PUT /v1/event/fire/<name>?node=&service=&tag=:
// the body is the payload.
func (a *Agent) agentEventFire(w http.ResponseWriter, r *http.Request, name string) error {
	if name == "" {
		return badRequest("Missing name")
	}
	q := r.URL.Query()
	e := userEvent{Name: name, NodeFilter: q.Get("node"), ServiceFilter: q.Get("service"), TagFilter: q.Get("tag"), Version: 1}
	if e.TagFilter != "" && e.ServiceFilter == "" {
		return badRequest("Cannot provide tag filter without service filter")
	}
	for _, f := range []string{e.NodeFilter, e.ServiceFilter, e.TagFilter} {
		if _, err := regexp.Compile(f); err != nil {
			return badRequest("Invalid filter %q: %v", f, err)
		}
	}
	payload, err := readLimited(r, swim.MaxUserEventBytes)
	if err != nil {
		return err
	}
	if len(payload) > 0 {
		e.Payload = payload
	}
	var id [16]byte
	rand.Read(id[:])
	id[6], id[8] = id[6]&0x0f|0x40, id[8]&0x3f|0x80
	e.ID = formatUUID(id[:])
	wire, err := encodeEvent(e, id)
	if err != nil {
		return badRequest("%v", err)
	}
	if !a.env.Do(func() { err = a.member.FireEvent(name, wire) }) {
		return errShuttingDown
	}
	if err != nil {
		return badRequest("Cannot fire event: %v", err)
	}
	writeJSON(w, r, e)
	return nil
}

// agentEventList serves GET /v1/event/list?name=, blocking on ?index.
func (a *Agent) agentEventList(w http.ResponseWriter, r *http.Request, _ string) error {
	opts, err := parseQueryOptions(r.URL.Query())
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(r.Context(), opts.wait)
	defer cancel()
	name := r.URL.Query().Get("name")
	for {
		events, index, changed := a.events.list(name)
		events = visible(authz(r), events, func(az *acl.Authorizer, e userEvent) bool { return az.EventRead(e.Name) == acl.Allow })
		if opts.minIndex == 0 || index > opts.minIndex {
			setQueryMeta(w, index, core.QueryMeta{KnownLeader: true}, modeLeader)
			writeJSON(w, r, events)
			return nil
		}
		select {
		case <-changed:
		case <-ctx.Done():
			if r.Context().Err() != nil {
				return r.Context().Err()
			}
			opts.minIndex = 0
		}
	}
}
