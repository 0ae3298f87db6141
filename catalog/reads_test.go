package catalog

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// cluster builds: n1 (rack a) runs web-1 [v1, primary] and api-1; n2
// (rack b) runs web-2 [v2]; web-1 passes, web-2 has a warning check; n2 has
// a critical node-level check.
func cluster(t *testing.T) *applier {
	a := newApplier(t)
	a.node("n1", "10.0.0.1", map[string]string{"rack": "a"})
	a.node("n2", "10.0.0.2", map[string]string{"rack": "b"})
	a.ok(&RegisterRequest{Node: "n1", SkipNodeUpdate: true, Service: &Service{ID: "web-1", Service: "web",
		Tags: []string{"v1", "primary"}, Meta: map[string]string{"version": "1"}, Port: 80}})
	a.ok(&RegisterRequest{Node: "n2", SkipNodeUpdate: true, Service: &Service{ID: "web-2", Service: "web",
		Tags: []string{"v2"}, Meta: map[string]string{"version": "2"}, Port: 81}})
	a.service("n1", "api", "api-1")
	a.check("n1", "web-1-http", "web-1", HealthPassing)
	a.check("n2", "web-2-http", "web-2", HealthWarning)
	a.check("n2", "disk", "", HealthCritical)
	return a
}

func TestListServicesUnitesTags(t *testing.T) {
	a := cluster(t)
	idx, svcs, err := a.s.ListServices(nil, Query{})
	require.NoError(t, err)
	require.Equal(t, map[string][]string{"web": {"primary", "v1", "v2"}, "api": {}}, svcs)
	require.Equal(t, uint64(5), idx)
	_, svcs, err = a.s.ListServices(nil, Query{NodeMeta: map[string]string{"rack": "b"}})
	require.NoError(t, err)
	require.Equal(t, map[string][]string{"web": {"v2"}}, svcs)
}

func TestServiceNodesFiltersByTagsAndMeta(t *testing.T) {
	a := cluster(t)
	cases := []struct {
		name string
		q    Query
		want []string
	}{
		{"all", Query{}, []string{"web-1", "web-2"}},
		{"one tag", Query{Tags: []string{"v2"}}, []string{"web-2"}},
		{"tags are ANDed", Query{Tags: []string{"v1", "primary"}}, []string{"web-1"}},
		{"tags ignore case", Query{Tags: []string{"PRIMARY"}}, []string{"web-1"}},
		{"no instance has both", Query{Tags: []string{"v1", "v2"}}, nil},
		{"node meta", Query{NodeMeta: map[string]string{"rack": "a"}}, []string{"web-1"}},
		{"filter on service meta", Query{Filter: `ServiceMeta.version == "2"`}, []string{"web-2"}},
		{"filter in tags", Query{Filter: `"primary" in ServiceTags`}, []string{"web-1"}},
		{"filter not", Query{Filter: `not ("primary" in ServiceTags) and Address matches "^10\\."`}, []string{"web-2"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, got, err := a.s.ServiceNodes(nil, "web", tc.q)
			require.NoError(t, err)
			var ids []string
			for _, cs := range got {
				ids = append(ids, cs.ServiceID)
			}
			require.Equal(t, tc.want, ids)
		})
	}
}

func TestCheckServiceNodesCarriesNodeAndServiceChecks(t *testing.T) {
	a := cluster(t)
	idx, got, err := a.s.CheckServiceNodes(nil, "web", Query{})
	require.NoError(t, err)
	require.Equal(t, uint64(8), idx)
	require.Len(t, got, 2)
	require.Equal(t, "n2", got[1].Node.Node)
	var ids []string
	for _, c := range got[1].Checks {
		ids = append(ids, c.CheckID)
	}
	require.Equal(t, []string{"disk", "web-2-http"}, ids, "node-level checks first")
	require.Equal(t, HealthCritical, AggregatedStatus(got[1].Checks))

	_, passing, err := a.s.CheckServiceNodes(nil, "web", Query{PassingOnly: true})
	require.NoError(t, err)
	require.Len(t, passing, 1)
	require.Equal(t, "web-1", passing[0].Service.ID)

	_, filtered, err := a.s.CheckServiceNodes(nil, "web", Query{Filter: `Service.Meta.version == "2" and Node.Meta.rack == "b"`})
	require.NoError(t, err)
	require.Len(t, filtered, 1)
	require.Equal(t, "web-2", filtered[0].Service.ID)
	_, filtered, err = a.s.CheckServiceNodes(nil, "web", Query{Filter: `"v1" in Service.Tags`})
	require.NoError(t, err)
	require.Len(t, filtered, 1)
	_, filtered, err = a.s.CheckServiceNodes(nil, "web", Query{Filter: `any Checks as c { c.Status == "warning" }`})
	require.NoError(t, err)
	require.Len(t, filtered, 1)
	require.Equal(t, "web-2", filtered[0].Service.ID)
}

func TestCheckReads(t *testing.T) {
	a := cluster(t)
	_, checks, err := a.s.NodeChecks(nil, "n2", Query{})
	require.NoError(t, err)
	require.Len(t, checks, 2)
	_, checks, err = a.s.ServiceChecks(nil, "web", Query{})
	require.NoError(t, err)
	require.Len(t, checks, 2, "service checks only, no node-level ones")
	_, checks, err = a.s.ServiceChecks(nil, "web", Query{Filter: `Status == "warning"`})
	require.NoError(t, err)
	require.Len(t, checks, 1)
	_, checks, err = a.s.ChecksInState(nil, HealthPassing, Query{})
	require.NoError(t, err)
	require.Len(t, checks, 1)
	_, checks, err = a.s.ChecksInState(nil, HealthAny, Query{NodeMeta: map[string]string{"rack": "b"}})
	require.NoError(t, err)
	require.Len(t, checks, 2)
}

func TestListNodesFilter(t *testing.T) {
	a := cluster(t)
	_, nodes, err := a.s.ListNodes(nil, Query{Filter: `Meta.rack == "b"`})
	require.NoError(t, err)
	require.Len(t, nodes, 1)
	require.Equal(t, "n2", nodes[0].Node)
}

func TestBadFilterIsAnError(t *testing.T) {
	a := cluster(t)
	for _, expr := range []string{`Service.Meta.version ==`, `Nope == "x"`, `Service.Port == "notanumber"`, `((`} {
		_, _, err := a.s.CheckServiceNodes(nil, "web", Query{Filter: expr})
		require.ErrorIs(t, err, ErrBadFilter, expr)
	}
	_, _, err := a.s.ListNodes(nil, Query{Filter: `Service.ID == "x"`})
	require.ErrorIs(t, err, ErrBadFilter)
}

func TestGetNodeOfMissingNodeIsNil(t *testing.T) {
	a := cluster(t)
	idx, ns := a.s.GetNode(nil, "n9")
	require.Nil(t, ns)
	require.Equal(t, a.idx, idx)
}

func TestAggregatedStatus(t *testing.T) {
	c := func(id, status string) *HealthCheck { return &HealthCheck{CheckID: id, Status: status} }
	cases := []struct {
		name   string
		checks []*HealthCheck
		want   string
	}{
		{"none", nil, HealthPassing},
		{"passing", []*HealthCheck{c("a", HealthPassing)}, HealthPassing},
		{"warning beats passing", []*HealthCheck{c("a", HealthPassing), c("b", HealthWarning)}, HealthWarning},
		{"critical beats warning", []*HealthCheck{c("a", HealthCritical), c("b", HealthWarning)}, HealthCritical},
		{"node maintenance beats all", []*HealthCheck{c("a", HealthCritical), c(NodeMaintenanceCheckID, HealthCritical)}, HealthMaintenance},
		{"service maintenance", []*HealthCheck{c(ServiceMaintenanceCheckIDPrefix+"web", HealthCritical)}, HealthMaintenance},
		{"unknown status", []*HealthCheck{c("a", "bogus"), c("b", HealthWarning)}, ""},
		{"unknown beats critical", []*HealthCheck{c("b", HealthCritical), c("a", "bogus")}, ""},
		{"unknown beats maintenance", []*HealthCheck{c(NodeMaintenanceCheckID, HealthCritical), c("a", "")}, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			require.Equal(t, tc.want, AggregatedStatus(tc.checks))
		})
	}
}
