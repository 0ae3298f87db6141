package runtime

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/cairn-sd/cairn/acl"
	"github.com/cairn-sd/cairn/catalog"
)

// Prepared queries, as Consul's /v1/query API serves them: definitions
// are stored in the catalog (written through Raft like any other write)
// and executed by the server that receives the request (query_exec.go).
// A query's ACL resource is its name: creating, changing or deleting one
// needs query write on its name (query_prefix rules match prefixes), and
// reading one needs query read. The query's own Token is shown only to
// management tokens, as in Consul.

// hiddenToken replaces a query's Token for a reader without management
// rights.
const hiddenToken = "<hidden>"

// queryRoot serves /v1/query: GET lists the queries the token may read,
// POST creates one and answers {"ID": id}.
func (a *Agent) queryRoot(w http.ResponseWriter, r *http.Request, _ string) error {
	if r.Method == http.MethodGet {
		st := a.server.Catalog()
		return a.serveRead(w, r, func(ws *catalog.WatchSet) (uint64, any, error) {
			idx, list := st.QueryList(ws)
			return idx, readableQueries(authz(r), list), nil
		})
	}
	var q catalog.PreparedQuery
	if err := decodeBody(r, &q); err != nil {
		return err
	}
	if err := permission(authz(r).QueryWrite(q.Name)); err != nil {
		return err
	}
	id, err := newUUID()
	if err != nil {
		return err
	}
	q.ID = id
	if _, err := a.apply(r.Context(), &catalog.QuerySetRequest{Query: q}); err != nil {
		return queryError(err)
	}
	writeJSON(w, r, struct{ ID string }{id})
	return nil
}

// queryItem serves /v1/query/<id> (GET, PUT, DELETE) and
// /v1/query/<id|name>/execute and /explain (GET only: another method
// answers 405, as the route table answers it).
func (a *Agent) queryItem(w http.ResponseWriter, r *http.Request, rest string) error {
	id, action, _ := strings.Cut(strings.TrimPrefix(rest, "/"), "/")
	if id == "" {
		return badRequest("Missing query ID")
	}
	switch {
	case (action == "execute" || action == "explain") && r.Method != http.MethodGet:
		w.Header().Set("Allow", http.MethodGet)
		return &httpError{http.StatusMethodNotAllowed, "method " + r.Method + " not allowed"}
	case action == "execute":
		return a.queryExecute(w, r, id)
	case action == "explain":
		return a.queryExplain(w, r, id)
	case action != "":
		return notFound("Unknown prepared query action %q", action)
	case r.Method == http.MethodGet:
		return a.queryGet(w, r, id)
	case r.Method == http.MethodPut:
		return a.queryUpdate(w, r, id)
	}
	return a.queryDelete(w, r, id)
}

// queryGet serves GET /v1/query/<id>: [query], or 404.
func (a *Agent) queryGet(w http.ResponseWriter, r *http.Request, id string) error {
	st := a.server.Catalog()
	return a.serveRead(w, r, func(ws *catalog.WatchSet) (uint64, any, error) {
		idx, q := st.QueryGet(ws, id)
		if q == nil {
			return idx, nil, errQueryNotFound
		}
		if err := permission(authz(r).QueryRead(q.Name)); err != nil {
			return idx, nil, err
		}
		return idx, readableQueries(authz(r), []*catalog.PreparedQuery{q}), nil
	})
}

// queryUpdate serves PUT /v1/query/<id>: the body replaces the query,
// which must exist; the token needs query write on the old name and on
// the new one.
func (a *Agent) queryUpdate(w http.ResponseWriter, r *http.Request, id string) error {
	var q catalog.PreparedQuery
	if err := decodeBody(r, &q); err != nil {
		return err
	}
	if err := permission(authz(r).QueryWrite(q.Name)); err != nil {
		return err
	}
	_, old := a.server.Catalog().QueryGet(nil, id)
	if old == nil {
		return errQueryNotFound
	}
	if err := permission(authz(r).QueryWrite(old.Name)); err != nil {
		return err
	}
	q.ID = id
	if _, err := a.apply(r.Context(), &catalog.QuerySetRequest{Query: q, Update: true}); err != nil {
		return queryError(err)
	}
	return nil
}

// queryDelete serves DELETE /v1/query/<id>; deleting an unknown query
// succeeds.
func (a *Agent) queryDelete(_ http.ResponseWriter, r *http.Request, id string) error {
	if _, old := a.server.Catalog().QueryGet(nil, id); old != nil {
		if err := permission(authz(r).QueryWrite(old.Name)); err != nil {
			return err
		}
	}
	_, err := a.apply(r.Context(), &catalog.QueryDeleteRequest{ID: id})
	return queryError(err)
}

// queryExecute serves GET /v1/query/<id|name>/execute (?near, ?limit):
// the query's instances, from this datacenter or the first failover
// datacenter that has any.
func (a *Agent) queryExecute(w http.ResponseWriter, r *http.Request, idOrName string) error {
	limit, err := queryLimit(r)
	if err != nil {
		return err
	}
	st := a.server.Catalog()
	return a.serveRead(w, r, func(ws *catalog.WatchSet) (uint64, any, error) {
		idx, q, err := resolveQuery(st, ws, idOrName)
		if err != nil {
			return idx, nil, err
		}
		token := a.effectiveSecret(r)
		near := r.URL.Query().Get("near")
		res, err := a.executeQuery(r.Context(), ws, q, authz(r), token, near, limit)
		if err != nil {
			return idx, nil, err
		}
		return max(idx, res.index), res, nil
	})
}

// queryExplain serves GET /v1/query/<id|name>/explain: the query as it
// would run for that name, a template rendered.
func (a *Agent) queryExplain(w http.ResponseWriter, r *http.Request, idOrName string) error {
	st := a.server.Catalog()
	return a.serveRead(w, r, func(ws *catalog.WatchSet) (uint64, any, error) {
		idx, q, err := resolveQuery(st, ws, idOrName)
		if err != nil {
			return idx, nil, err
		}
		if err := permission(authz(r).QueryRead(q.Name)); err != nil {
			return idx, nil, err
		}
		return idx, struct{ Query *catalog.PreparedQuery }{redactQuery(authz(r), q)}, nil
	})
}

// resolveQuery finds the query idOrName names (a template rendered), or
// answers 404.
func resolveQuery(st *catalog.State, ws *catalog.WatchSet, idOrName string) (uint64, *catalog.PreparedQuery, error) {
	idx, q, err := st.QueryResolve(ws, idOrName)
	if err != nil {
		return idx, nil, queryError(err)
	}
	if q == nil {
		return idx, nil, errQueryNotFound
	}
	return idx, q, nil
}

// queryLimit reads ?limit: absent or 0 means no limit.
func queryLimit(r *http.Request) (int, error) {
	s := r.URL.Query().Get("limit")
	if s == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 {
		return 0, badRequest("Invalid limit %q", s)
	}
	return n, nil
}

// errQueryNotFound is Consul's answer for an unknown query.
var errQueryNotFound = notFound("Query not found")

// queryError maps the catalog's refusals of a query to 400 and 404.
func queryError(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, catalog.ErrQueryNotFound):
		return errQueryNotFound
	}
	for _, e := range []error{catalog.ErrMissingQueryID, catalog.ErrQueryNameTaken, catalog.ErrMissingQuerySvc,
		catalog.ErrBadQueryTemplate, catalog.ErrBadQuery, catalog.ErrBadName, catalog.ErrSessionNotFound} {
		if errors.Is(err, e) {
			return badRequest("%v", err)
		}
	}
	return err
}

// readableQueries keeps the queries the token may read, their Token
// hidden unless it is a management token; the answer is never null.
func readableQueries(az *acl.Authorizer, list []*catalog.PreparedQuery) []*catalog.PreparedQuery {
	out := []*catalog.PreparedQuery{}
	for _, q := range list {
		if az.QueryRead(q.Name) == acl.Allow {
			out = append(out, redactQuery(az, q))
		}
	}
	return out
}

// redactQuery hides q's Token from a token without management rights.
func redactQuery(az *acl.Authorizer, q *catalog.PreparedQuery) *catalog.PreparedQuery {
	if q.Token == "" || az.IsManagement() {
		return q
	}
	c := *q
	c.Token = hiddenToken
	return &c
}
