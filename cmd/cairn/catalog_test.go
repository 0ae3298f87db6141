package main

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestCatalogDatacentersPrintsOnePerLine checks the list and the dc
// parameter.
func TestCatalogDatacentersPrintsOnePerLine(t *testing.T) {
	a := newFakeAgent(t, map[string]http.HandlerFunc{"GET /v1/catalog/datacenters": replyJSON(`["dc1","dc2"]`)})
	code, out, _ := runCairn("catalog", "datacenters")
	require.Equal(t, 0, code)
	require.Equal(t, "dc1\ndc2\n", out)
	require.False(t, a.last(t).Query.Has("dc"))

	code, _, errOut := runCairn("catalog", "datacenters", "x")
	require.Equal(t, 1, code)
	require.Contains(t, errOut, "Too many arguments (expected 0, got 1)")
}

// TestCatalogServicesSortsNamesAndTags checks the plain and -tags forms.
func TestCatalogServicesSortsNamesAndTags(t *testing.T) {
	a := newFakeAgent(t, map[string]http.HandlerFunc{"GET /v1/catalog/services": replyJSON(
		`{"web":["v2","v1"],"consul":[]}`)})
	code, out, _ := runCairn("catalog", "services", "-datacenter=dc2", "-token=t1")
	require.Equal(t, 0, code)
	require.Equal(t, "consul\nweb\n", out)
	require.Equal(t, "dc2", a.last(t).Query.Get("dc"))
	require.Equal(t, "t1", a.last(t).Header.Get("X-Consul-Token"))

	// The padding after "consul" is Consul's: its tabwriter pads the empty
	// tag column, and only the output's end is trimmed.
	_, out, _ = runCairn("catalog", "services", "-tags")
	require.Equal(t, "consul      \nweb         v1,v2\n", out)
}

// TestCatalogServicesOfOneNode checks -node, which reads
// /v1/catalog/node/<node> and merges the tags of a service's instances.
func TestCatalogServicesOfOneNode(t *testing.T) {
	newFakeAgent(t, map[string]http.HandlerFunc{
		"GET /v1/catalog/node/n1": replyJSON(`{"Node":{"Node":"n1"},"Services":{
			"web1":{"ID":"web1","Service":"web","Tags":["b"]},
			"web2":{"ID":"web2","Service":"web","Tags":["a"]},
			"db":{"ID":"db","Service":"db","Tags":null}}}`),
		"GET /v1/catalog/node/gone": replyJSON(`null`),
	})
	code, out, _ := runCairn("catalog", "services", "-node=n1", "-tags")
	require.Equal(t, 0, code)
	require.Equal(t, "db       \nweb      a,b\n", out)

	code, out, errOut := runCairn("catalog", "services", "-node=gone")
	require.Equal(t, 0, code)
	require.Empty(t, out)
	require.Equal(t, "No services match the given query - try expanding your search.\n", errOut)

	code, _, errOut = runCairn("catalog", "services", "-node=nope")
	require.Equal(t, 1, code)
	require.Equal(t, "Error listing services for node: Unexpected response code: 404 (no route)\n", errOut)
}

// twoNodes is /v1/catalog/nodes for two nodes.
const twoNodes = `[
 {"ID":"a1b2c3d4-0000-0000-0000-000000000001","Node":"n1","Address":"10.0.0.1","Datacenter":"dc1",
  "TaggedAddresses":{"wan":"1.2.3.4","lan":"10.0.0.1"},"Meta":{"rack":"r1","consul-network-segment":""}},
 {"ID":"","Node":"node-two","Address":"10.0.0.2","Datacenter":"dc1","TaggedAddresses":null,"Meta":null}
]`

// TestCatalogNodesPrintsShortAndDetailedTables checks both layouts.
func TestCatalogNodesPrintsShortAndDetailedTables(t *testing.T) {
	a := newFakeAgent(t, map[string]http.HandlerFunc{"GET /v1/catalog/nodes": replyJSON(twoNodes)})
	code, out, _ := runCairn("catalog", "nodes", "-near=_agent")
	require.Equal(t, 0, code)
	require.Equal(t, ""+
		"Node      ID        Address   DC\n"+
		"n1        a1b2c3d4  10.0.0.1  dc1\n"+
		"node-two            10.0.0.2  dc1\n", out)
	require.Equal(t, "_agent", a.last(t).Query.Get("near"))

	_, out, _ = runCairn("catalog", "nodes", "-detailed")
	require.Equal(t, ""+
		"Node      ID                                    Address   DC   TaggedAddresses            Meta\n"+
		"n1        a1b2c3d4-0000-0000-0000-000000000001  10.0.0.1  dc1  lan=10.0.0.1, wan=1.2.3.4  consul-network-segment=, rack=r1\n"+
		"node-two                                        10.0.0.2  dc1                             \n", out)
}

// TestCatalogNodesForAService checks -service reads the service's
// instances and shows their nodes.
func TestCatalogNodesForAService(t *testing.T) {
	a := newFakeAgent(t, map[string]http.HandlerFunc{
		"GET /v1/catalog/service/web": replyJSON(`[{"ID":"a1b2c3d4-0000","Node":"n1","Address":"10.0.0.1","Datacenter":"dc1","ServiceID":"web1"}]`),
		"GET /v1/catalog/service/db":  replyJSON(`[]`),
	})
	code, out, _ := runCairn("catalog", "nodes", "-service=web")
	require.Equal(t, 0, code)
	require.Equal(t, "Node  ID        Address   DC\nn1    a1b2c3d4  10.0.0.1  dc1\n", out)
	require.Equal(t, "/v1/catalog/service/web", a.last(t).Path)

	code, out, errOut := runCairn("catalog", "nodes", "-service=db")
	require.Equal(t, 0, code)
	require.Empty(t, out)
	require.Equal(t, "No nodes match the given query - try expanding your search.\n", errOut)
}

// TestCatalogReportsAPIErrors checks the error lines of each subcommand.
func TestCatalogReportsAPIErrors(t *testing.T) {
	newFakeAgent(t, map[string]http.HandlerFunc{
		"GET /v1/catalog/nodes":       reply(500, "No path to datacenter"),
		"GET /v1/catalog/services":    reply(500, "No path to datacenter"),
		"GET /v1/catalog/datacenters": reply(500, "rpc error"),
	})
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"catalog", "nodes", "-datacenter=dc9"}, "Error listing nodes: Unexpected response code: 500 (No path to datacenter)\n"},
		{[]string{"catalog", "services", "-datacenter=dc9"}, "Error listing services: Unexpected response code: 500 (No path to datacenter)\n"},
		{[]string{"catalog", "datacenters"}, "Error listing datacenters: Unexpected response code: 500 (rpc error)\n"},
	} {
		code, out, errOut := runCairn(tc.args...)
		require.Equal(t, 1, code, tc.args)
		require.Empty(t, out, tc.args)
		require.Equal(t, tc.want, errOut, tc.args)
	}
}

// TestCatalogNodeMetaFiltersAreSent checks -node-meta on nodes and
// services: one node-meta=key:value parameter per pair, and a bad pair
// rejected before any request.
func TestCatalogNodeMetaFiltersAreSent(t *testing.T) {
	a := newFakeAgent(t, map[string]http.HandlerFunc{
		"GET /v1/catalog/nodes":    replyJSON(twoNodes),
		"GET /v1/catalog/services": replyJSON(`{"web":[]}`),
	})
	code, _, _ := runCairn("catalog", "nodes", "-node-meta=rack=r1", "-node-meta=os=linux")
	require.Equal(t, 0, code)
	require.Equal(t, []string{"os:linux", "rack:r1"}, a.last(t).Query["node-meta"])

	code, _, _ = runCairn("catalog", "services", "-node-meta=rack=r1")
	require.Equal(t, 0, code)
	require.Equal(t, []string{"rack:r1"}, a.last(t).Query["node-meta"])

	n := len(a.seen())
	code, _, errOut := runCairn("catalog", "nodes", "-node-meta=norack")
	require.Equal(t, 1, code)
	require.Contains(t, errOut, `missing "=" in "norack"`)
	require.Len(t, a.seen(), n)
}
