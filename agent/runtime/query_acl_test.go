package runtime

import (
	"testing"

	"github.com/hashicorp/consul/api"
	mdns "github.com/miekg/dns"
	"github.com/stretchr/testify/require"

	"github.com/cairn-sd/cairn/catalog"
)

// policyClient creates policy name with rules and a token holding it, and
// returns a client of a with that token, and its secret.
func policyClient(t *testing.T, a *Agent, root *api.Client, name, rules string) (*api.Client, string) {
	t.Helper()
	_, _, err := root.ACL().PolicyCreate(&api.ACLPolicy{Name: name, Rules: rules}, nil)
	require.NoError(t, err)
	tok, _, err := root.ACL().TokenCreate(&api.ACLToken{Policies: []*api.ACLTokenPolicyLink{{Name: name}}}, nil)
	require.NoError(t, err)
	c, err := api.NewClient(&api.Config{Address: a.HTTPAddr(), Token: tok.SecretID})
	require.NoError(t, err)
	return c, tok.SecretID
}

func TestPreparedQueriesFollowQueryPrefixRules(t *testing.T) {
	a, anon := startACLAgent(t)
	root := bootstrapToken(t, a)
	registerDB(t, root, "geo-1", "10.0.0.1", api.HealthPassing)
	geo, secret := policyClient(t, a, root, "geo", `query_prefix "geo-" { policy = "write" }
service_prefix "" { policy = "read" }
node_prefix "" { policy = "read" }`)

	_, _, err := geo.PreparedQuery().Create(&api.PreparedQueryDefinition{Name: "db", Service: api.ServiceQuery{Service: "db"}}, nil)
	require.ErrorContains(t, err, "Permission denied", "db is outside the token's prefix")
	id, _, err := geo.PreparedQuery().Create(&api.PreparedQueryDefinition{Name: "geo-db", Token: secret,
		Service: api.ServiceQuery{Service: "db"}}, nil)
	require.NoError(t, err)
	_, _, err = root.PreparedQuery().Create(&api.PreparedQueryDefinition{Name: "private", Service: api.ServiceQuery{Service: "db"}}, nil)
	require.NoError(t, err)

	list, _, err := geo.PreparedQuery().List(nil)
	require.NoError(t, err)
	require.Len(t, list, 1, "the list shows what the token may read")
	require.Equal(t, "<hidden>", list[0].Token, "the query's token is for management eyes only")
	got, _, err := root.PreparedQuery().Get(id, nil)
	require.NoError(t, err)
	require.Equal(t, secret, got[0].Token)
	list, _, err = anon.PreparedQuery().List(nil)
	require.NoError(t, err)
	require.Empty(t, list)
	_, _, err = anon.PreparedQuery().Get(id, nil)
	require.ErrorContains(t, err, "Permission denied")
	_, err = geo.PreparedQuery().Update(&api.PreparedQueryDefinition{ID: id, Name: "db", Service: api.ServiceQuery{Service: "db"}}, nil)
	require.ErrorContains(t, err, "Permission denied", "renaming out of the prefix needs write on the new name")

	res, _, err := geo.PreparedQuery().Execute("geo-db", nil)
	require.NoError(t, err)
	require.Len(t, res.Nodes, 1)
	res, _, err = anon.PreparedQuery().Execute("private", nil)
	require.NoError(t, err)
	require.Empty(t, res.Nodes, "the anonymous token may not read db")
	require.Equal(t, mdns.RcodeNameError, dnsQuery(t, a.DNSAddr(), "private.query.consul.", mdns.TypeA).Rcode,
		"DNS runs queries with the default token")
}

func TestFailoverTargetsTakeTheNearestThenTheListed(t *testing.T) {
	nearest := []string{"dc1", "dc3", "dc2", "dc4"}
	for _, tc := range []struct {
		f    catalog.QueryFailover
		want []string
	}{
		{catalog.QueryFailover{}, nil},
		{catalog.QueryFailover{NearestN: 2}, []string{"dc3", "dc2"}},
		{catalog.QueryFailover{NearestN: 9}, []string{"dc3", "dc2", "dc4"}},
		{catalog.QueryFailover{Datacenters: []string{"dc4", "dc1", "dc9"}}, []string{"dc4", "dc9"}},
		{catalog.QueryFailover{NearestN: 1, Datacenters: []string{"dc3", "dc2"}}, []string{"dc3", "dc2"}},
	} {
		require.Equal(t, tc.want, failoverTargets(tc.f, "dc1", nearest), "%+v", tc.f)
	}
}

func TestQueryRowsApplyTagsMetaAndHealth(t *testing.T) {
	row := func(node string, tags []string, meta map[string]string, statuses ...string) *catalog.CheckServiceNode {
		r := &catalog.CheckServiceNode{Node: &catalog.Node{Node: node, Meta: map[string]string{"zone": "a"}},
			Service: &catalog.Service{Service: "db", Tags: tags, Meta: meta}}
		for i, s := range statuses {
			r.Checks = append(r.Checks, &catalog.HealthCheck{CheckID: "c" + uitoa(uint64(i)), Status: s})
		}
		return r
	}
	rows := []*catalog.CheckServiceNode{
		row("ok", []string{"Primary"}, map[string]string{"v": "2"}, catalog.HealthPassing),
		row("warn", []string{"primary"}, map[string]string{"v": "2"}, catalog.HealthWarning),
		row("crit-ignored", []string{"primary"}, map[string]string{"v": "2"}, catalog.HealthPassing, catalog.HealthCritical),
		row("canary", []string{"primary", "canary"}, map[string]string{"v": "2"}),
		row("old", []string{"primary"}, map[string]string{"v": "1"}),
		nil,
	}
	names := func(sq catalog.ServiceQuery) []string {
		var out []string
		for _, r := range queryRows(sq, rows) {
			out = append(out, r.Node.Node)
		}
		return out
	}
	sq := catalog.ServiceQuery{Tags: []string{"primary", "!CANARY"}, ServiceMeta: map[string]string{"v": "2"}, NodeMeta: map[string]string{"zone": "a"}}
	require.Equal(t, []string{"ok", "warn"}, names(sq))
	sq.IgnoreCheckIDs = []string{"c1"}
	require.Equal(t, []string{"ok", "warn", "crit-ignored"}, names(sq))
	sq.OnlyPassing = true
	require.Equal(t, []string{"ok", "crit-ignored"}, names(sq))
	sq.NodeMeta = map[string]string{"zone": "b"}
	require.Empty(t, names(sq))
}

func TestPreparedQueryExecuteShowsTheChecksHealthServiceShows(t *testing.T) {
	a, _ := startACLAgent(t)
	root := bootstrapToken(t, a)
	registerDB(t, root, "db-1", "10.0.0.1", api.HealthPassing)
	registerDB(t, root, "db-2", "10.0.0.2", api.HealthPassing)
	_, err := root.Catalog().Register(&api.CatalogRegistration{Node: "db-1", Address: "10.0.0.1",
		Check: &api.AgentCheck{CheckID: "mem", Name: "mem", Status: api.HealthPassing}}, nil)
	require.NoError(t, err)
	limited, _ := policyClient(t, a, root, "db-1", `service "db" { policy = "read" }
node "db-1" { policy = "read" }`)
	_, _, err = root.PreparedQuery().Create(&api.PreparedQueryDefinition{Name: "db", Service: api.ServiceQuery{Service: "db"}}, nil)
	require.NoError(t, err)

	checkIDs := func(checks api.HealthChecks) []string {
		var out []string
		for _, c := range checks {
			out = append(out, c.CheckID)
		}
		return out
	}
	entries, _, err := limited.Health().Service("db", "", false, nil)
	require.NoError(t, err)
	require.Len(t, entries, 1)
	require.ElementsMatch(t, []string{"mem", "db-check"}, checkIDs(entries[0].Checks))
	res, _, err := limited.PreparedQuery().Execute("db", nil)
	require.NoError(t, err)
	require.Equal(t, []string{"db-1"}, executedNodes(res), "db-2's node is not readable")
	require.ElementsMatch(t, checkIDs(entries[0].Checks), checkIDs(res.Nodes[0].Checks),
		"execute shows the checks /v1/health/service shows the same token")
}
