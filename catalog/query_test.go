package catalog

import (
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// sampleQuery is a query with every field set.
func sampleQuery(id, name string) PreparedQuery {
	return PreparedQuery{ID: id, Name: name, Token: "t0k",
		Service: ServiceQuery{Service: "db", OnlyPassing: true, IgnoreCheckIDs: []string{"slow"}, Near: "_agent",
			Tags: []string{"primary", "!canary"}, NodeMeta: map[string]string{"rack": "a"}, ServiceMeta: map[string]string{"v": "2"},
			Failover: QueryFailover{NearestN: 2, Datacenters: []string{"dc3", "dc4"}}},
		DNS: QueryDNS{TTL: "10s"}}
}

// querySampleCommands are pinned in testdata/commands-v1-queries.txt.
func querySampleCommands() []Command {
	tmpl := sampleQuery("q2", "geo-")
	tmpl.Template = QueryTemplate{Type: TemplateNamePrefixMatch, Regexp: `^geo-(\w+)$`, RemoveEmptyTags: true}
	tmpl.Service.Service = "${match(1)}"
	return []Command{
		&QuerySetRequest{Query: sampleQuery("q1", "db")},
		&QuerySetRequest{Query: tmpl, Update: true},
		&QueryDeleteRequest{ID: "q1"},
	}
}

func TestQueryCommandsRoundTrip(t *testing.T) {
	for _, cmd := range querySampleCommands() {
		b, err := Encode(cmd)
		require.NoError(t, err)
		got, err := Decode(b)
		require.NoError(t, err)
		require.Equal(t, cmd, got)
	}
}

func TestGoldenQueryCommandsStillDecode(t *testing.T) {
	checkGoldenCommands(t, filepath.Join("testdata", "commands-v1-queries.txt"), querySampleCommands())
}

func TestQuerySetCreatesUpdatesAndDeletes(t *testing.T) {
	a := newApplier(t)
	a.ok(&QuerySetRequest{Query: sampleQuery("q1", "db")})
	idx, q := a.s.QueryGet(nil, "q1")
	require.Equal(t, uint64(1), idx)
	require.Equal(t, uint64(1), q.CreateIndex)
	require.Equal(t, "db", q.Service.Service)

	upd := sampleQuery("q1", "database")
	upd.CreateIndex, upd.ModifyIndex = 77, 77
	a.ok(&QuerySetRequest{Query: upd, Update: true})
	_, q = a.s.QueryGet(nil, "q1")
	require.Equal(t, uint64(1), q.CreateIndex, "an update keeps the creation index")
	require.Equal(t, uint64(2), q.ModifyIndex)
	_, r, err := a.s.QueryResolve(nil, "database")
	require.NoError(t, err)
	require.Equal(t, "q1", r.ID)
	_, r, _ = a.s.QueryResolve(nil, "db")
	require.Nil(t, r, "the old name is free again")

	res := a.do(&QuerySetRequest{Query: sampleQuery("q9", "x"), Update: true})
	require.ErrorIs(t, res.Err, ErrQueryNotFound, "an update does not create")

	a.ok(&QueryDeleteRequest{ID: "q1"})
	idx, list := a.s.QueryList(nil)
	require.Empty(t, list)
	require.Equal(t, uint64(4), idx, "the delete moved the table's index")
	a.ok(&QueryDeleteRequest{ID: "q1"})
}

func TestQueryNamesAreUnique(t *testing.T) {
	a := newApplier(t)
	a.ok(&QuerySetRequest{Query: sampleQuery("q1", "db")})
	res := a.do(&QuerySetRequest{Query: sampleQuery("q2", "db")})
	require.ErrorIs(t, res.Err, ErrQueryNameTaken)
	res = a.do(&QuerySetRequest{Query: sampleQuery("q2", "q1")})
	require.ErrorIs(t, res.Err, ErrQueryNameTaken, "a name may not be another query's ID")
	a.ok(&QuerySetRequest{Query: sampleQuery("q2", "")})
	a.ok(&QuerySetRequest{Query: sampleQuery("q3", "")})
	_, list := a.s.QueryList(nil)
	require.Len(t, list, 3, "unnamed queries do not clash")
}

func TestQuerySetRefusesMalformedQueries(t *testing.T) {
	a := newApplier(t)
	for _, tc := range []struct {
		mut  func(q *PreparedQuery)
		want error
	}{
		{func(q *PreparedQuery) { q.ID = "" }, ErrMissingQueryID},
		{func(q *PreparedQuery) { q.Service.Service = "" }, ErrMissingQuerySvc},
		{func(q *PreparedQuery) { q.Template.Type = "regex" }, ErrBadQueryTemplate},
		{func(q *PreparedQuery) { q.Template.Regexp = "x" }, ErrBadQueryTemplate},
		{func(q *PreparedQuery) { q.Template = QueryTemplate{Type: TemplateNamePrefixMatch, Regexp: "("} }, ErrBadQueryTemplate},
		{func(q *PreparedQuery) {
			q.Template.Type = TemplateNamePrefixMatch
			q.Service.Service = "${nope}"
		}, ErrBadQueryTemplate},
		{func(q *PreparedQuery) { q.DNS.TTL = "soon" }, ErrBadQuery},
		{func(q *PreparedQuery) { q.Service.Failover.NearestN = -1 }, ErrBadQuery},
		{func(q *PreparedQuery) { q.Session = "gone" }, ErrSessionNotFound},
		{func(q *PreparedQuery) { q.Name = "a\x00b" }, ErrBadName},
	} {
		q := sampleQuery("q1", "db")
		tc.mut(&q)
		require.ErrorIs(t, a.do(&QuerySetRequest{Query: q}).Err, tc.want)
	}
	_, list := a.s.QueryList(nil)
	require.Empty(t, list)
}

func TestQueryBoundToASessionGoesWithIt(t *testing.T) {
	a := newApplier(t)
	a.node("n1", "10.0.0.1", nil)
	a.check("n1", "serfHealth", "", HealthPassing)
	a.ok(&SessionCreateRequest{Session: Session{ID: "s1", Node: "n1", NodeChecks: []string{"serfHealth"}}})
	a.ok(&SessionCreateRequest{Session: Session{ID: "s2", Node: "n1", NodeChecks: []string{}}})
	bound := sampleQuery("q1", "db")
	bound.Session = "s1"
	a.ok(&QuerySetRequest{Query: bound})
	other := sampleQuery("q2", "web")
	other.Session = "s2"
	a.ok(&QuerySetRequest{Query: other})

	a.ok(&UpdateCheckRequest{Node: "n1", CheckID: "serfHealth", Status: HealthCritical})
	_, q := a.s.QueryGet(nil, "q1")
	require.Nil(t, q, "the session's check turned critical: session and query are gone")
	_, q = a.s.QueryGet(nil, "q2")
	require.NotNil(t, q)
	a.ok(&SessionDestroyRequest{ID: "s2"})
	_, list := a.s.QueryList(nil)
	require.Empty(t, list)
}

func TestQueryResolveMatchesIDNameThenLongestTemplatePrefix(t *testing.T) {
	a := newApplier(t)
	a.ok(&QuerySetRequest{Query: sampleQuery("q1", "db")})
	geo := sampleQuery("t1", "geo-")
	geo.Template = QueryTemplate{Type: TemplateNamePrefixMatch, Regexp: `^geo-([a-z]+)-(\w+)$`, RemoveEmptyTags: true}
	geo.Service.Service = "${match(1)}"
	geo.Service.Tags = []string{"${match(2)}", "${match(7)}", "from-${name.prefix}"}
	geo.Service.NodeMeta = map[string]string{"full": "${name.full}", "suffix": "${name.suffix}"}
	a.ok(&QuerySetRequest{Query: geo})
	deeper := sampleQuery("t2", "geo-db-")
	deeper.Template.Type = TemplateNamePrefixMatch
	deeper.Service.Service = "deep-${name.suffix}"
	a.ok(&QuerySetRequest{Query: deeper})
	catchAll := sampleQuery("t3", "")
	catchAll.Template.Type = TemplateNamePrefixMatch
	catchAll.Service.Service = "${name.full}"
	a.ok(&QuerySetRequest{Query: catchAll})

	resolve := func(name string) *PreparedQuery {
		_, q, err := a.s.QueryResolve(nil, name)
		require.NoError(t, err)
		return q
	}
	require.Equal(t, "q1", resolve("q1").ID)
	require.Equal(t, "q1", resolve("db").ID, "an exact name beats the catch-all template")
	got := resolve("geo-web-blue")
	require.Equal(t, "t1", got.ID)
	require.Equal(t, "web", got.Service.Service)
	require.Equal(t, []string{"blue", "from-geo-"}, got.Service.Tags, "the empty tag was removed")
	require.Equal(t, map[string]string{"full": "geo-web-blue", "suffix": "web-blue"}, got.Service.NodeMeta)
	require.Equal(t, "deep-x", resolve("geo-db-x").Service.Service, "the longest prefix wins")
	require.Equal(t, "anything", resolve("anything").Service.Service, "the empty prefix matches every name")
	_, stored := a.s.QueryGet(nil, "t1")
	require.Equal(t, "${match(1)}", stored.Service.Service, "rendering leaves the stored template alone")
}

func TestQueryTableSurvivesSnapshotRoundTrip(t *testing.T) {
	a := newApplier(t)
	a.node("n1", "10.0.0.1", nil)
	a.ok(&SessionCreateRequest{Session: Session{ID: "s1", Node: "n1", NodeChecks: []string{}}})
	for _, cmd := range querySampleCommands()[:1] {
		a.ok(cmd)
	}
	bound := sampleQuery("q3", "bound")
	bound.Session = "s1"
	a.ok(&QuerySetRequest{Query: bound})
	c := restored(t, a.s)
	require.Equal(t, snapshotBytes(t, a.s), snapshotBytes(t, c))
	_, want := a.s.QueryList(nil)
	_, got := c.QueryList(nil)
	require.Equal(t, want, got)
	_, q, err := c.QueryResolve(nil, "bound")
	require.NoError(t, err)
	require.Equal(t, "q3", q.ID, "the by-name index is rebuilt")
	c.Apply(100, mustEncode(t, &SessionDestroyRequest{ID: "s1"}))
	_, q = c.QueryGet(nil, "q3")
	require.Nil(t, q, "the restored query is still bound to its session")
}

func TestQueryReadsWakeOnWrites(t *testing.T) {
	a := newApplier(t)
	ws := &WatchSet{}
	a.s.QueryList(ws)
	a.ok(&QuerySetRequest{Query: sampleQuery("q1", "db")})
	require.True(t, ws.Fired())
}

// FuzzQueryCommand decodes arbitrary query commands and applies them
// after a valid history: nothing panics, and names stay unique.
func FuzzQueryCommand(f *testing.F) {
	for _, cmd := range querySampleCommands() {
		f.Add(mustEncode(f, cmd))
	}
	f.Add(append([]byte{CommandVersion, byte(opQuerySet)}, `{"Query":{"ID":"q","Service":{"Service":"s"},"Template":{"Type":"name_prefix_match","Regexp":"(a"}}}`...))
	f.Add(append([]byte{CommandVersion, byte(opQuerySet)}, `{"Query":{"ID":"q","Name":"db","Service":{"Service":"${"}}}`...))
	f.Add(append([]byte{CommandVersion, byte(opQueryDelete)}, `{"ID":null}`...))
	f.Fuzz(func(t *testing.T, b []byte) {
		a := newApplier(t)
		a.ok(&QuerySetRequest{Query: sampleQuery("q1", "db")})
		a.s.Apply(9, b)
		_, list := a.s.QueryList(nil)
		names := map[string]bool{}
		for _, q := range list {
			require.False(t, q.Name != "" && names[q.Name], "two queries named %q", q.Name)
			names[q.Name] = true
			_, _, err := a.s.QueryResolve(nil, q.Name+"x")
			require.NoError(t, err, "a stored template renders for any name")
		}
		c := restored(t, a.s)
		require.Equal(t, snapshotBytes(t, a.s), snapshotBytes(t, c))
	})
}

// checkQueryIndexes verifies that the by-name index is exactly the named
// queries, and that every bound session exists.
func checkQueryIndexes(t *testing.T, s *State) {
	t.Helper()
	s.mu.RLock()
	defer s.mu.RUnlock()
	named := 0
	for id := range s.db.queries.all() {
		q := s.db.queries.at(id)
		if q.Name != "" {
			named++
			got, _ := s.db.queryNames.get(q.Name)
			require.Equal(t, id, got, "name %q", q.Name)
		}
		if q.Session != "" {
			_, ok := s.db.sessions.get(q.Session)
			require.True(t, ok, "query %s outlived session %s", id, q.Session)
		}
	}
	require.Equal(t, named, s.db.queryNames.len(), "stale names in the index")
}

func TestQueryIndexesHoldUnderRandomHistories(t *testing.T) {
	seeds := 40
	if testing.Short() {
		seeds = 4
	}
	for seed := range seeds {
		rng := rand.New(rand.NewPCG(uint64(seed), 7))
		a := newApplier(t)
		a.node("n1", "10.0.0.1", nil)
		pick := func(prefix string, n int) string { return fmt.Sprintf("%s%d", prefix, rng.IntN(n)) }
		for range 200 {
			switch rng.IntN(4) {
			case 0, 1:
				q := sampleQuery(pick("q", 6), pick("name", 4))
				if rng.IntN(3) == 0 {
					q.Session = pick("s", 3)
				}
				a.do(&QuerySetRequest{Query: q, Update: rng.IntN(2) == 0})
			case 2:
				a.do(&QueryDeleteRequest{ID: pick("q", 6)})
			default:
				if sid := pick("s", 3); rng.IntN(2) == 0 {
					a.do(&SessionCreateRequest{Session: Session{ID: sid, Node: "n1", NodeChecks: []string{}}})
				} else {
					a.do(&SessionDestroyRequest{ID: sid})
				}
			}
			checkQueryIndexes(t, a.s)
		}
		c := restored(t, a.s)
		checkQueryIndexes(t, c)
		require.Equal(t, snapshotBytes(t, a.s), snapshotBytes(t, c), "seed %d", seed)
	}
}
