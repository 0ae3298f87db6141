package runtime

import (
	"testing"
	"time"

	"github.com/hashicorp/consul/api"
	"github.com/stretchr/testify/require"
)

// TestAgentSelfMembersAndStatus checks /v1/agent/self (Prometheus reads
// Config.Datacenter), /v1/agent/members and the status endpoints.
func TestAgentSelfMembersAndStatus(t *testing.T) {
	a, c := startAgent(t, `, "datacenter": "east"`)
	self, err := c.Agent().Self()
	require.NoError(t, err)
	require.Equal(t, "east", self["Config"]["Datacenter"])
	require.Equal(t, testNode, self["Config"]["NodeName"])
	require.Equal(t, a.NodeID(), self["Config"]["NodeID"])
	require.Equal(t, true, self["Config"]["Server"])

	members, err := c.Agent().Members(false)
	require.NoError(t, err)
	require.Len(t, members, 1)
	require.Equal(t, testNode, members[0].Name)
	require.Equal(t, 1, members[0].Status)
	require.Equal(t, "consul", members[0].Tags["role"])

	leader, err := c.Status().Leader()
	require.NoError(t, err)
	require.Equal(t, a.ServerAddr(), leader)
	peers, err := c.Status().Peers()
	require.NoError(t, err)
	require.Equal(t, []string{leader}, peers)
}

// TestAgentServiceWithTTLCheck registers a service with a TTL check on the
// agent, moves the check through its states and sees the health view
// follow, then deregisters the service.
func TestAgentServiceWithTTLCheck(t *testing.T) {
	_, c := startAgent(t, "")
	err := c.Agent().ServiceRegister(&api.AgentServiceRegistration{
		Name: "web", Port: 80, Tags: []string{"v1"},
		Check: &api.AgentServiceCheck{TTL: "30s"},
	})
	require.NoError(t, err)
	services, err := c.Agent().Services()
	require.NoError(t, err)
	require.Equal(t, 80, services["web"].Port)
	checks, err := c.Agent().Checks()
	require.NoError(t, err)
	require.Equal(t, "critical", checks["service:web"].Status, "a new check starts critical")
	require.Equal(t, "ttl", checks["service:web"].Type)

	passing, _, err := c.Health().Service("web", "", true, nil)
	require.NoError(t, err)
	require.Empty(t, passing)
	require.NoError(t, c.Agent().PassTTL("service:web", "ok"))
	passing, _, err = c.Health().Service("web", "", true, nil)
	require.NoError(t, err)
	require.Len(t, passing, 1)
	require.NoError(t, c.Agent().UpdateTTL("service:web", "slow", api.HealthWarning))
	checks, err = c.Agent().Checks()
	require.NoError(t, err)
	require.Equal(t, "warning", checks["service:web"].Status)
	require.Equal(t, "slow", checks["service:web"].Output)
	require.Error(t, c.Agent().UpdateTTL("service:web", "", "sideways"))
	require.Error(t, c.Agent().PassTTL("serfHealth", ""), "serfHealth is not a TTL check")

	require.NoError(t, c.Agent().ServiceDeregister("web"))
	services, err = c.Agent().Services()
	require.NoError(t, err)
	require.Empty(t, services)
	require.Error(t, c.Agent().ServiceDeregister("web"))
}

// TestAgentRegistrationAcceptsSnakeCase checks that snake_case keys are
// understood while user map keys stay as written.
func TestAgentRegistrationAcceptsSnakeCase(t *testing.T) {
	reg, err := decodeServiceRegistration([]byte(`{"name": "web", "enable_tag_override": true,
		"meta": {"build_id": "7"}, "tagged_addresses": {"lan_ipv4": {"address": "10.0.0.1", "port": 80}},
		"check": {"check_id": "c1", "ttl": "10s", "deregister_critical_service_after": "1m"}}`))
	require.NoError(t, err)
	require.True(t, reg.EnableTagOverride)
	require.Equal(t, map[string]string{"build_id": "7"}, reg.Meta)
	require.Equal(t, 80, reg.TaggedAddresses["lan_ipv4"].Port)
	_, checks, err := reg.toLocal(false)
	require.NoError(t, err)
	require.Equal(t, "c1", checks[0].CheckID)
	require.Equal(t, "ttl", checks[0].Type)
	require.Equal(t, time.Minute, checks[0].DeregisterCriticalServiceAfter)
}

func TestTheAgentsNodeCarriesTaggedAddresses(t *testing.T) {
	_, client := startAgent(t, `, "tagged_addresses": {"wan": "203.0.113.9"}`)
	require.Eventually(t, func() bool {
		node, _, err := client.Catalog().Node(testNode, nil)
		return err == nil && node != nil && node.Node.TaggedAddresses["wan"] == "203.0.113.9"
	}, testWait, 20*time.Millisecond)
	node, _, err := client.Catalog().Node(testNode, nil)
	require.NoError(t, err)
	require.Equal(t, "127.0.0.1", node.Node.TaggedAddresses["lan"])
	require.Equal(t, "127.0.0.1", node.Node.TaggedAddresses["lan_ipv4"])
}
