package catalog

import (
	"errors"
	"fmt"
	"regexp"
	"time"
)

// A prepared query is a service lookup stored under a name, as in
// Consul: the service, its tag and metadata filters, the health rule, and
// where to look when the local datacenter has no healthy instance (the
// failover). Clients run it by name or ID through
// /v1/query/<id|name>/execute or DNS (<name>.query.consul), so the lookup
// rules live in one place and change without touching the clients. The
// catalog stores the definitions; the agent executes them (reading
// services and health here, and other datacenters across the WAN).
//
// A query whose Template.Type is "name_prefix_match" is a template: it
// answers every name it is a prefix of (the longest such prefix wins),
// and its Service fields may use ${name.full}, ${name.prefix},
// ${name.suffix} and, with a Template.Regexp, ${match(N)}, filled in from
// the name asked (query_template.go). A query bound to a Session is
// deleted when the session is destroyed or invalidated.

// tableQueries is the table of prepared queries.
const tableQueries = "prepared_queries"

// TemplateNamePrefixMatch is the one template type Consul knows.
const TemplateNamePrefixMatch = "name_prefix_match"

// PreparedQuery is one prepared query, with the fields and JSON names of
// Consul's PreparedQuery object.
type PreparedQuery struct {
	ID       string
	Name     string
	Session  string
	Token    string
	Template QueryTemplate
	Service  ServiceQuery
	DNS      QueryDNS
	// CreateIndex and ModifyIndex are the Raft indexes of the query's
	// creation and of its latest update.
	CreateIndex uint64
	ModifyIndex uint64
}

// QueryTemplate makes a query a template (see the package comment).
type QueryTemplate struct {
	Type            string
	Regexp          string
	RemoveEmptyTags bool
}

// ServiceQuery is what a prepared query looks up. Tags must all be on an
// instance, except those written "!tag", which must not be; NodeMeta and
// ServiceMeta pairs must all match. Instances with a critical check are
// never returned (checks in IgnoreCheckIDs do not count), and with
// OnlyPassing neither are those with a warning. Near sorts the answer by
// round trip from a node ("_agent": the agent asking).
type ServiceQuery struct {
	Service        string
	Failover       QueryFailover
	OnlyPassing    bool
	IgnoreCheckIDs []string
	Near           string
	Tags           []string
	NodeMeta       map[string]string
	ServiceMeta    map[string]string
}

// QueryFailover says where a query looks when the local datacenter has no
// healthy instance: the NearestN nearest other datacenters by round trip,
// then Datacenters in the order listed (skipping those already tried).
type QueryFailover struct {
	NearestN    int
	Datacenters []string
}

// QueryDNS holds a query's DNS settings: TTL is a Go duration ("10s")
// for the records of its answers; empty means the agent's service TTL.
type QueryDNS struct {
	TTL string
}

// Errors of prepared query commands.
var (
	ErrMissingQueryID   = errors.New("catalog: missing prepared query ID")
	ErrQueryNotFound    = errors.New("catalog: prepared query not found")
	ErrQueryNameTaken   = errors.New("catalog: a prepared query already has that name")
	ErrMissingQuerySvc  = errors.New("catalog: must provide a Service name to query")
	ErrBadQueryTemplate = errors.New("catalog: bad prepared query template")
	ErrBadQuery         = errors.New("catalog: bad prepared query")
)

// QuerySetRequest creates the query, or replaces the one with its ID
// (keeping its CreateIndex). The proposer draws the ID of a new query. It
// is refused when another query has the same non-empty Name, when the
// Name is another query's ID, when Session names no session, or when the
// query is malformed (see validateQuery). The indexes inside Query are
// ignored: the catalog sets them.
type QuerySetRequest struct {
	Query PreparedQuery
	// Update makes the request refuse to create: the query must exist
	// (PUT /v1/query/<id>), so that an update racing a delete does not
	// bring the query back.
	Update bool `json:",omitempty"`
}

// QueryDeleteRequest deletes a prepared query; deleting an unknown one
// succeeds and changes nothing.
type QueryDeleteRequest struct {
	ID string
}

func (*QuerySetRequest) opCode() opCode    { return opQuerySet }
func (*QueryDeleteRequest) opCode() opCode { return opQueryDelete }

// applyQuerySet validates and stores a query at idx.
func (s *State) applyQuerySet(idx uint64, r *QuerySetRequest) Result {
	q := r.Query
	if err := s.checkQuery(&q); err != nil {
		return errResult(err)
	}
	old, exists := s.db.queries.get(q.ID)
	if r.Update && !exists {
		return errResult(fmt.Errorf("%w: %q", ErrQueryNotFound, q.ID))
	}
	q.CreateIndex, q.ModifyIndex = idx, idx
	if exists {
		q.CreateIndex = old.CreateIndex
		s.db.queryNames.delete(old.Name)
	}
	s.db.queries.put(q.ID, &q)
	if q.Name != "" {
		s.db.queryNames.put(q.Name, q.ID)
	}
	s.touchTable(idx, tableQueries)
	return okResult
}

// checkQuery refuses a query that is malformed or clashes with another.
func (s *State) checkQuery(q *PreparedQuery) error {
	if err := validateQuery(q); err != nil {
		return err
	}
	if id, ok := s.db.queryNames.get(q.Name); ok && q.Name != "" && id != q.ID {
		return fmt.Errorf("%w: %q", ErrQueryNameTaken, q.Name)
	}
	if other, ok := s.db.queries.get(q.Name); ok && other.ID != q.ID {
		return fmt.Errorf("%w: the name %q is another query's ID", ErrQueryNameTaken, q.Name)
	}
	if _, ok := s.db.sessions.get(q.Session); q.Session != "" && !ok {
		return fmt.Errorf("%w: %q", ErrSessionNotFound, q.Session)
	}
	return nil
}

// validateQuery checks what a query must hold by itself, whatever the
// state: an ID, a service (a template's may be filled in from the name),
// a known template type with a regexp that compiles, a DNS TTL that
// parses, and no negative failover count.
func validateQuery(q *PreparedQuery) error {
	if q.ID == "" {
		return ErrMissingQueryID
	}
	if hasNUL(q.ID, q.Name) {
		return ErrBadName
	}
	switch q.Template.Type {
	case "":
		if q.Template.Regexp != "" {
			return fmt.Errorf("%w: a Regexp needs the %s type", ErrBadQueryTemplate, TemplateNamePrefixMatch)
		}
	case TemplateNamePrefixMatch:
		if _, err := regexp.Compile(q.Template.Regexp); err != nil {
			return fmt.Errorf("%w: %w", ErrBadQueryTemplate, err)
		}
	default:
		return fmt.Errorf("%w: unknown type %q", ErrBadQueryTemplate, q.Template.Type)
	}
	if q.Template.Type != "" {
		if _, err := renderQuery(q, q.Name); err != nil {
			return err
		}
	}
	if q.Service.Service == "" {
		return ErrMissingQuerySvc
	}
	if q.Service.Failover.NearestN < 0 {
		return fmt.Errorf("%w: Failover NearestN must not be negative", ErrBadQuery)
	}
	if q.DNS.TTL != "" {
		if ttl, err := time.ParseDuration(q.DNS.TTL); err != nil || ttl < 0 {
			return fmt.Errorf("%w: bad DNS TTL %q", ErrBadQuery, q.DNS.TTL)
		}
	}
	return nil
}

// applyQueryDelete deletes a query if it exists.
func (s *State) applyQueryDelete(idx uint64, r *QueryDeleteRequest) Result {
	s.deleteQuery(idx, r.ID)
	return okResult
}

// deleteQuery removes the query id at idx.
func (s *State) deleteQuery(idx uint64, id string) {
	q, ok := s.db.queries.get(id)
	if !ok {
		return
	}
	s.db.queries.delete(id)
	s.db.queryNames.delete(q.Name)
	s.touchTable(idx, tableQueries)
}

// deleteSessionQueries deletes the queries bound to session id, which is
// being destroyed. Queries are few, so a scan is cheap next to a second
// index to keep.
func (s *State) deleteSessionQueries(idx uint64, id string) {
	var bound []string
	for qid := range s.db.queries.all() {
		if s.db.queries.at(qid).Session == id {
			bound = append(bound, qid)
		}
	}
	for _, qid := range bound {
		s.deleteQuery(idx, qid)
	}
}

// QueryGet returns the query id, or nil. The index, for this and the
// other query reads, is the table's.
func (s *State) QueryGet(ws *WatchSet, id string) (uint64, *PreparedQuery) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	s.watch(ws, watchKey{kind: watchTable, name: tableQueries})
	q, _ := s.db.queries.get(id)
	return s.answer(s.db.tableIndex[tableQueries]), q
}

// QueryList returns every query in ID order.
func (s *State) QueryList(ws *WatchSet) (uint64, []*PreparedQuery) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	s.watch(ws, watchKey{kind: watchTable, name: tableQueries})
	out := make([]*PreparedQuery, 0, s.db.queries.len())
	for id := range s.db.queries.all() {
		out = append(out, s.db.queries.at(id))
	}
	return s.answer(s.db.tableIndex[tableQueries]), out
}

// The snapshot section of prepared queries, added in version 4: one
// record per query in ID order. The by-name index is rebuilt as records
// arrive, which also refuses two queries of one name.

func writeQueries(d *db, emit func(any) error) error {
	return writeRows(&d.queries, emit, func(_ string, q *PreparedQuery) any { return q })
}

func readQuery(d *db, raw []byte) error {
	var q PreparedQuery
	if err := decodeStrict(raw, &q); err != nil {
		return err
	}
	if err := validateQuery(&q); err != nil {
		return fmt.Errorf("query %q: %w", q.ID, err)
	}
	if _, ok := d.sessions.get(q.Session); q.Session != "" && !ok {
		return fmt.Errorf("query %q: %w: %q", q.ID, ErrSessionNotFound, q.Session)
	}
	if _, taken := d.queryNames.get(q.Name); taken && q.Name != "" {
		return fmt.Errorf("query %q: %w: %q", q.ID, ErrQueryNameTaken, q.Name)
	}
	if err := appendRow(&d.queries, q.ID, &q); err != nil {
		return err
	}
	if q.Name != "" {
		d.queryNames.put(q.Name, q.ID)
	}
	return nil
}
