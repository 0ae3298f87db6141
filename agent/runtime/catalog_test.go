package runtime

import (
	"testing"

	"github.com/hashicorp/consul/api"
	"github.com/stretchr/testify/require"
)

// registerExternal registers a service instance on an external node, as
// the official client does for the ESM pattern.
func registerExternal(t *testing.T, c *api.Client, node, id, name string, tags []string, checkStatus string) {
	t.Helper()
	reg := &api.CatalogRegistration{
		Node: node, Address: "10.0.0.1", NodeMeta: map[string]string{"rack": "r1"},
		Service: &api.AgentService{ID: id, Service: name, Tags: tags, Port: 8080},
	}
	if checkStatus != "" {
		reg.Checks = api.HealthChecks{{Node: node, CheckID: "chk:" + id, Name: "probe",
			Status: checkStatus, ServiceID: id}}
	}
	_, err := c.Catalog().Register(reg, nil)
	require.NoError(t, err)
}

// TestCatalogRegisterListAndDeregister checks register, the services
// listing, the tag filter of a service read, nodes, a node's services, and
// deregistration.
func TestCatalogRegisterListAndDeregister(t *testing.T) {
	_, c := startAgent(t, "")
	registerExternal(t, c, "ext1", "web1", "web", []string{"v1", "blue"}, "")
	registerExternal(t, c, "ext2", "web2", "web", []string{"v2"}, "")
	registerExternal(t, c, "ext2", "api1", "api", nil, "")

	services, meta, err := c.Catalog().Services(nil)
	require.NoError(t, err)
	require.NotZero(t, meta.LastIndex)
	require.ElementsMatch(t, []string{"blue", "v1", "v2"}, services["web"])
	require.Contains(t, services, "api")

	rows, _, err := c.Catalog().Service("web", "v1", nil)
	require.NoError(t, err)
	require.Len(t, rows, 1)
	require.Equal(t, "web1", rows[0].ServiceID)
	require.Equal(t, "ext1", rows[0].Node)
	require.Equal(t, 8080, rows[0].ServicePort)

	rows, _, err = c.Catalog().ServiceMultipleTags("web", []string{"v1", "blue"}, nil)
	require.NoError(t, err)
	require.Len(t, rows, 1)

	rows, _, err = c.Catalog().Service("web", "", &api.QueryOptions{Filter: `ServiceID == "web2"`})
	require.NoError(t, err)
	require.Len(t, rows, 1)
	require.Equal(t, "ext2", rows[0].Node)

	nodes, _, err := c.Catalog().Nodes(&api.QueryOptions{NodeMeta: map[string]string{"rack": "r1"}})
	require.NoError(t, err)
	require.Len(t, nodes, 2, "the agent's own node has no rack")

	node, _, err := c.Catalog().Node("ext2", nil)
	require.NoError(t, err)
	require.Len(t, node.Services, 2)
	require.Equal(t, "api", node.Services["api1"].Service)
	missing, _, err := c.Catalog().Node("nope", nil)
	require.NoError(t, err)
	require.Nil(t, missing)

	list, _, err := c.Catalog().NodeServiceList("ext1", nil)
	require.NoError(t, err)
	require.Len(t, list.Services, 1)

	_, err = c.Catalog().Deregister(&api.CatalogDeregistration{Node: "ext2", ServiceID: "web2"}, nil)
	require.NoError(t, err)
	rows, _, err = c.Catalog().Service("web", "", nil)
	require.NoError(t, err)
	require.Len(t, rows, 1)
	_, err = c.Catalog().Deregister(&api.CatalogDeregistration{Node: "ext1"}, nil)
	require.NoError(t, err)
	nodes, _, err = c.Catalog().Nodes(nil)
	require.NoError(t, err)
	require.Len(t, nodes, 2)

	dcs, err := c.Catalog().Datacenters()
	require.NoError(t, err)
	require.Equal(t, []string{"dc1"}, dcs)
}

// TestHealthServicePassingExcludesCritical checks that ?passing drops an
// instance with a critical check, and the health check endpoints.
func TestHealthServicePassingExcludesCritical(t *testing.T) {
	_, c := startAgent(t, "")
	registerExternal(t, c, "ext1", "web1", "web", []string{"v1"}, "passing")
	registerExternal(t, c, "ext2", "web2", "web", nil, "critical")

	all, meta, err := c.Health().Service("web", "", false, nil)
	require.NoError(t, err)
	require.Len(t, all, 2)
	require.NotZero(t, meta.LastIndex)
	passing, _, err := c.Health().Service("web", "", true, nil)
	require.NoError(t, err)
	require.Len(t, passing, 1)
	require.Equal(t, "web1", passing[0].Service.ID)
	require.Equal(t, "10.0.0.1", passing[0].Node.Address)

	tagged, _, err := c.Health().Service("web", "v1", false, nil)
	require.NoError(t, err)
	require.Len(t, tagged, 1)

	checks, _, err := c.Health().Checks("web", nil)
	require.NoError(t, err)
	require.Len(t, checks, 2)
	critical, _, err := c.Health().State("critical", nil)
	require.NoError(t, err)
	require.Len(t, critical, 1)
	require.Equal(t, "chk:web2", critical[0].CheckID)
	nodeChecks, _, err := c.Health().Node(testNode, nil)
	require.NoError(t, err)
	require.Len(t, nodeChecks, 1)
	require.Equal(t, "serfHealth", nodeChecks[0].CheckID)
	require.Equal(t, "passing", nodeChecks[0].Status)
}
