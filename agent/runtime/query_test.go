package runtime

import (
	"encoding/json"
	"io"
	"net/http"
	"testing"

	"github.com/hashicorp/consul/api"
	mdns "github.com/miekg/dns"
	"github.com/stretchr/testify/require"
)

// registerDB registers node name at addr with a "db" instance carrying
// tags, and a service check in status.
func registerDB(t *testing.T, c *api.Client, name, addr, status string, tags ...string) {
	t.Helper()
	_, err := c.Catalog().Register(&api.CatalogRegistration{
		Node: name, Address: addr, NodeMeta: map[string]string{"rack": "r1"},
		Service: &api.AgentService{ID: "db", Service: "db", Port: 5432, Tags: tags},
		Check:   &api.AgentCheck{CheckID: "db-check", Name: "db", Status: status, ServiceID: "db"},
	}, nil)
	require.NoError(t, err)
}

// executedNodes returns the node names of an execution, in order.
func executedNodes(res *api.PreparedQueryExecuteResponse) []string {
	var out []string
	for _, n := range res.Nodes {
		out = append(out, n.Node.Node)
	}
	return out
}

// getJSON GETs path on the agent and decodes the answer into v, returning
// the status.
func getJSON(t *testing.T, a *Agent, path string, v any) int {
	t.Helper()
	resp, err := http.Get("http://" + a.HTTPAddr() + path)
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	if resp.StatusCode == http.StatusOK {
		require.NoError(t, json.Unmarshal(body, v), string(body))
	}
	return resp.StatusCode
}

func TestPreparedQueriesThroughTheOfficialClient(t *testing.T) {
	a, c := startAgent(t, "")
	registerDB(t, c, "db-1", "10.0.0.1", api.HealthPassing, "primary")
	registerDB(t, c, "db-2", "10.0.0.2", api.HealthPassing, "canary")
	registerDB(t, c, "db-3", "10.0.0.3", api.HealthCritical)
	registerDB(t, c, "db-4", "10.0.0.4", api.HealthWarning)
	pq := c.PreparedQuery()

	def := &api.PreparedQueryDefinition{Name: "db", Service: api.ServiceQuery{Service: "db", Tags: []string{"!canary"},
		NodeMeta: map[string]string{"rack": "r1"}}, DNS: api.QueryDNSOptions{TTL: "15s"}}
	id, _, err := pq.Create(def, nil)
	require.NoError(t, err)
	require.NotEmpty(t, id)
	got, _, err := pq.Get(id, nil)
	require.NoError(t, err)
	require.Len(t, got, 1)
	require.Equal(t, "db", got[0].Name)
	require.Equal(t, []string{"!canary"}, got[0].Service.Tags)
	list, _, err := pq.List(nil)
	require.NoError(t, err)
	require.Len(t, list, 1)
	_, _, err = pq.Create(&api.PreparedQueryDefinition{Name: "db", Service: api.ServiceQuery{Service: "web"}}, nil)
	require.ErrorContains(t, err, "400", "query names are unique")

	for _, name := range []string{"db", id} {
		res, _, err := pq.Execute(name, nil)
		require.NoError(t, err)
		require.ElementsMatch(t, []string{"db-1", "db-4"}, executedNodes(res),
			"the canary is excluded, the critical instance dropped, the warning one kept")
		require.Equal(t, "db", res.Service)
		require.Equal(t, "dc1", res.Datacenter)
		require.Equal(t, "15s", res.DNS.TTL)
		require.Zero(t, res.Failovers)
	}
	var limited api.PreparedQueryExecuteResponse
	require.Equal(t, http.StatusOK, getJSON(t, a, "/v1/query/db/execute?limit=1", &limited))
	require.Len(t, limited.Nodes, 1)

	r := dnsQuery(t, a.DNSAddr(), "db.query.consul.", mdns.TypeA)
	require.Equal(t, mdns.RcodeSuccess, r.Rcode)
	require.ElementsMatch(t, []string{"10.0.0.1", "10.0.0.4"}, []string{r.Answer[0].(*mdns.A).A.String(), r.Answer[1].(*mdns.A).A.String()})
	require.Equal(t, uint32(15), r.Answer[0].Header().Ttl, "the query's DNS TTL")
	r = dnsQuery(t, a.DNSAddr(), "_db._primary.query.consul.", mdns.TypeSRV)
	require.Len(t, r.Answer, 1)
	require.Equal(t, "db-1.node.dc1.consul.", r.Answer[0].(*mdns.SRV).Target)
	require.Equal(t, mdns.RcodeNameError, dnsQuery(t, a.DNSAddr(), "nope.query.consul.", mdns.TypeA).Rcode)

	def.ID = id
	def.Service.OnlyPassing = true
	_, err = pq.Update(def, nil)
	require.NoError(t, err)
	res, _, err := pq.Execute("db", nil)
	require.NoError(t, err)
	require.Equal(t, []string{"db-1"}, executedNodes(res), "OnlyPassing drops the warning instance")

	tmplID, _, err := pq.Create(&api.PreparedQueryDefinition{Name: "geo-",
		Template: api.QueryTemplate{Type: "name_prefix_match"},
		Service:  api.ServiceQuery{Service: "${name.suffix}", Tags: []string{"canary"}}}, nil)
	require.NoError(t, err)
	res, _, err = pq.Execute("geo-db", nil)
	require.NoError(t, err)
	require.Equal(t, []string{"db-2"}, executedNodes(res), "the template rendered the service from the name")
	r = dnsQuery(t, a.DNSAddr(), "geo-db.query.consul.", mdns.TypeA)
	require.Len(t, r.Answer, 1, "DNS resolves a template's names too")
	require.Equal(t, "10.0.0.2", r.Answer[0].(*mdns.A).A.String())
	var explained struct{ Query api.PreparedQueryDefinition }
	require.Equal(t, http.StatusOK, getJSON(t, a, "/v1/query/geo-db/explain", &explained))
	require.Equal(t, "db", explained.Query.Service.Service)
	require.Equal(t, tmplID, explained.Query.ID)

	_, err = pq.Delete(id, nil)
	require.NoError(t, err)
	_, _, err = pq.Get(id, nil)
	require.ErrorContains(t, err, "404")
	_, _, err = pq.Execute("db", nil)
	require.ErrorContains(t, err, "404")
	_, err = pq.Update(def, nil)
	require.ErrorContains(t, err, "404", "an update does not bring a deleted query back")
}

func TestPreparedQueryFailsOverToAnotherDatacenter(t *testing.T) {
	a1, c1, _, c2 := startTwoDatacenters(t)
	registerDB(t, c1, "near-db", "10.1.0.1", api.HealthCritical)
	registerDB(t, c2, "far-db", "10.2.0.1", api.HealthPassing)
	for _, c := range []*api.Client{c1, c2} {
		_, _, err := c.PreparedQuery().Create(&api.PreparedQueryDefinition{Name: "db",
			Service: api.ServiceQuery{Service: "db", Failover: api.QueryFailoverOptions{NearestN: 1}}}, nil)
		require.NoError(t, err)
	}

	res, _, err := c1.PreparedQuery().Execute("db", nil)
	require.NoError(t, err)
	require.Equal(t, []string{"far-db"}, executedNodes(res), "dc1's only instance is critical")
	require.Equal(t, "dc2", res.Datacenter)
	require.Equal(t, 1, res.Failovers)

	r := dnsQuery(t, a1.DNSAddr(), "db.query.consul.", mdns.TypeSRV)
	require.Equal(t, mdns.RcodeSuccess, r.Rcode)
	require.Len(t, r.Answer, 1)
	require.Equal(t, "far-db.node.dc2.consul.", r.Answer[0].(*mdns.SRV).Target, "the answer names dc2")
	r = dnsQuery(t, a1.DNSAddr(), "db.query.dc2.consul.", mdns.TypeA)
	require.Equal(t, mdns.RcodeSuccess, r.Rcode, "dc2's own query, run in dc2")
	require.Equal(t, "10.2.0.1", r.Answer[0].(*mdns.A).A.String())

	res, _, err = c1.PreparedQuery().Execute("db", &api.QueryOptions{Datacenter: "dc2"})
	require.NoError(t, err)
	require.Equal(t, "dc2", res.Datacenter, "?dc runs dc2's own query there")
	require.Zero(t, res.Failovers)

	registerDB(t, c1, "near-db", "10.1.0.1", api.HealthPassing)
	res, _, err = c1.PreparedQuery().Execute("db", nil)
	require.NoError(t, err)
	require.Equal(t, []string{"near-db"}, executedNodes(res), "healthy again: the local datacenter answers")
	require.Equal(t, "dc1", res.Datacenter)
	require.Zero(t, res.Failovers)

	_, _, err = c1.PreparedQuery().Create(&api.PreparedQueryDefinition{Name: "listed",
		Service: api.ServiceQuery{Service: "db", Tags: []string{"none"}, Failover: api.QueryFailoverOptions{Datacenters: []string{"dc9", "dc2"}}}}, nil)
	require.NoError(t, err)
	res, _, err = c1.PreparedQuery().Execute("listed", nil)
	require.NoError(t, err)
	require.Empty(t, res.Nodes)
	require.Equal(t, 2, res.Failovers, "an unknown datacenter is skipped, and every one asked counts")
}

func TestAClientAgentRelaysPreparedQueriesAndTheirDNSNames(t *testing.T) {
	srv, _ := startAgent(t, "")
	cl, c := startClient(t, srv, "")
	registerDB(t, c, "db-1", "10.0.0.1", api.HealthPassing)
	id, _, err := c.PreparedQuery().Create(&api.PreparedQueryDefinition{Name: "db", Service: api.ServiceQuery{Service: "db"}}, nil)
	require.NoError(t, err)
	res, _, err := c.PreparedQuery().Execute(id, nil)
	require.NoError(t, err)
	require.Equal(t, []string{"db-1"}, executedNodes(res))

	r := dnsQuery(t, cl.DNSAddr(), "db.query.consul.", mdns.TypeSRV)
	require.Equal(t, mdns.RcodeSuccess, r.Rcode)
	require.Len(t, r.Answer, 1)
	require.Equal(t, "db-1.node.dc1.consul.", r.Answer[0].(*mdns.SRV).Target)
	require.Equal(t, mdns.RcodeNameError, dnsQuery(t, cl.DNSAddr(), "nope.query.consul.", mdns.TypeA).Rcode)
	require.Equal(t, mdns.RcodeNameError, dnsQuery(t, cl.DNSAddr(), "db.service.dc9.consul.", mdns.TypeA).Rcode,
		"a datacenter the servers have no path to")
}

func TestAQueryBoundToASessionIsDeletedWithIt(t *testing.T) {
	_, c := startAgent(t, "")
	registerDB(t, c, "db-1", "10.0.0.1", api.HealthPassing)
	sid, _, err := c.Session().Create(&api.SessionEntry{Name: "owner"}, nil)
	require.NoError(t, err)
	_, _, err = c.PreparedQuery().Create(&api.PreparedQueryDefinition{Name: "db", Session: "no-such-session",
		Service: api.ServiceQuery{Service: "db"}}, nil)
	require.ErrorContains(t, err, "400", "the session must exist")
	id, _, err := c.PreparedQuery().Create(&api.PreparedQueryDefinition{Name: "db", Session: sid,
		Service: api.ServiceQuery{Service: "db"}}, nil)
	require.NoError(t, err)
	got, _, err := c.PreparedQuery().Get(id, nil)
	require.NoError(t, err)
	require.Equal(t, sid, got[0].Session)

	_, err = c.Session().Destroy(sid, nil)
	require.NoError(t, err)
	_, _, err = c.PreparedQuery().Get(id, nil)
	require.ErrorContains(t, err, "404", "the query went with its session")
}

func TestAQueryNearTheAgentPutsItsOwnNodeFirst(t *testing.T) {
	_, c := startAgent(t, "")
	for _, n := range []string{"db-1", "db-2", "db-3"} {
		registerDB(t, c, n, "10.0.0.9", api.HealthPassing)
	}
	require.NoError(t, c.Agent().ServiceRegister(&api.AgentServiceRegistration{ID: "db", Name: "db", Port: 5432}))
	_, _, err := c.PreparedQuery().Create(&api.PreparedQueryDefinition{Name: "db",
		Service: api.ServiceQuery{Service: "db", Near: "_agent"}}, nil)
	require.NoError(t, err)
	for range 5 {
		res, _, err := c.PreparedQuery().Execute("db", nil)
		require.NoError(t, err)
		require.Len(t, res.Nodes, 4)
		require.Equal(t, testNode, res.Nodes[0].Node.Node, "the only node with a coordinate, and the nearest")
	}
}

func TestPreparedQueryExecuteAndExplainAnswer405ToOtherMethods(t *testing.T) {
	a, c := startAgent(t, "")
	registerDB(t, c, "db-1", "10.0.0.1", api.HealthPassing)
	id, _, err := c.PreparedQuery().Create(&api.PreparedQueryDefinition{Name: "db", Service: api.ServiceQuery{Service: "db"}}, nil)
	require.NoError(t, err)
	for _, target := range []string{id, "db"} {
		for _, action := range []string{"execute", "explain"} {
			for _, method := range []string{http.MethodPut, http.MethodDelete, http.MethodPost} {
				req, err := http.NewRequest(method, "http://"+a.HTTPAddr()+"/v1/query/"+target+"/"+action, nil)
				require.NoError(t, err)
				resp, err := http.DefaultClient.Do(req)
				require.NoError(t, err)
				body, err := io.ReadAll(resp.Body)
				resp.Body.Close()
				require.NoError(t, err)
				require.Equal(t, http.StatusMethodNotAllowed, resp.StatusCode, "%s %s", method, action)
				require.Contains(t, resp.Header.Get("Allow"), http.MethodGet)
				require.Contains(t, string(body), "method "+method+" not allowed")
			}
		}
	}
	_, _, err = c.PreparedQuery().Get(id, nil)
	require.NoError(t, err, "a DELETE on /execute did not delete the query")
	var res api.PreparedQueryExecuteResponse
	require.Equal(t, http.StatusOK, getJSON(t, a, "/v1/query/db/execute", &res))
	require.Len(t, res.Nodes, 1)
	require.Equal(t, http.StatusNotFound, getJSON(t, a, "/v1/query/db/nonsense", &res), "an unknown action is still 404")
}
