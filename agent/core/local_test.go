package core

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cairn-sd/cairn/catalog"
	"github.com/cairn-sd/cairn/netsim"
	"github.com/cairn-sd/cairn/netsim/simtest"
	"github.com/cairn-sd/cairn/swim"
)

// agentWithLocal is a client agent with its local state.
type agentWithLocal struct {
	client *Client
	local  *Local
}

// addLocalClient puts a client agent with local state on host name.
func (c *cluster) addLocalClient(t *testing.T, name string) *agentWithLocal {
	a := &agentWithLocal{}
	c.sim.AddHost(name, "dc1", func(env netsim.Env) {
		cl, err := NewClient(env, ClientConfig{
			NodeID: "id-" + name, NodeName: name, Datacenter: "dc1",
			Gossip: GossipConfig{Port: 8301, RetryJoin: []string{"s1:8301"}, Swim: swim.LocalConfig()},
		})
		require.NoError(t, err)
		a.client = cl
		a.local = NewLocal(env, cl, LocalConfig{
			Node:         catalog.Node{ID: "id-" + name, Node: name, Address: name, Datacenter: "dc1", Meta: map[string]string{"rack": "r1"}},
			SyncInterval: 5 * time.Second, PoolSize: func() int { return len(cl.Members()) },
		})
	})
	return a
}

// health returns service's instances as the leader's catalog shows them.
func (c *cluster) health(t *testing.T, service string) []*catalog.CheckServiceNode {
	leader := c.leader()
	require.NotEmpty(t, leader)
	_, out, err := c.servers[leader].Catalog().CheckServiceNodes(nil, service, catalog.Query{})
	require.NoError(t, err)
	return out
}

// statuses maps each check of an instance to its status.
func statuses(n *catalog.CheckServiceNode) map[string]string {
	out := map[string]string{}
	for _, ch := range n.Checks {
		out[ch.CheckID] = ch.Status
	}
	return out
}

func TestLocalServicesReachTheCatalogAndTTLChecksExpire(t *testing.T) {
	simtest.Seeds(t, 1, 5, func(t *testing.T, seed uint64) {
		c := newGossipCluster(t, seed)
		a := c.addLocalClient(t, "c1")
		c.sim.RunFor(20 * time.Second)
		require.NoError(t, a.local.AddService(catalog.Service{Service: "web", Port: 80, Tags: []string{"v1"}},
			[]LocalCheck{{HealthCheck: catalog.HealthCheck{CheckID: "web-ttl", Name: "ttl", Status: catalog.HealthPassing}, TTL: 10 * time.Second}}))
		c.sim.RunFor(3 * time.Second)
		web := c.health(t, "web")
		require.Len(t, web, 1)
		require.Equal(t, "r1", web[0].Node.Meta["rack"], "the node carries its agent's meta")
		require.Equal(t, map[string]string{"serfHealth": "passing", "web-ttl": "passing"}, statuses(web[0]))
		require.NoError(t, a.local.UpdateCheck("web-ttl", catalog.HealthPassing, "", true))
		settled := a.local.sync.commands
		c.sim.RunFor(8 * time.Second)
		require.Equal(t, settled, a.local.sync.commands, "a full sync of an agent in step with the catalog writes nothing")
		require.NoError(t, a.local.UpdateCheck("web-ttl", catalog.HealthPassing, "", true))

		c.sim.RunFor(12 * time.Second)
		require.Equal(t, "critical", statuses(c.health(t, "web")[0])["web-ttl"], "a TTL check not updated in time turns critical")
		require.NoError(t, a.local.UpdateCheck("web-ttl", catalog.HealthPassing, "ok", true))
		c.sim.RunFor(2 * time.Second)
		require.Equal(t, "passing", statuses(c.health(t, "web")[0])["web-ttl"])

		require.NoError(t, a.local.SetServiceMaintenance("web", true, ""))
		c.sim.RunFor(2 * time.Second)
		require.Equal(t, "critical", statuses(c.health(t, "web")[0])[ServiceMaintenanceCheckID("web")])
		require.NoError(t, a.local.SetServiceMaintenance("web", false, ""))
		c.sim.RunFor(2 * time.Second)
		require.NotContains(t, statuses(c.health(t, "web")[0]), ServiceMaintenanceCheckID("web"))

		c.sim.Crash("c1")
		c.sim.RunFor(30 * time.Second)
		require.Equal(t, "critical", statuses(c.health(t, "web")[0])["serfHealth"], "a crashed node's services turn critical")
	})
}

func TestAntiEntropyRepairsCatalogDrift(t *testing.T) {
	simtest.Seeds(t, 1, 5, func(t *testing.T, seed uint64) {
		c := newGossipCluster(t, seed)
		a := c.addLocalClient(t, "c1")
		c.sim.RunFor(20 * time.Second)
		require.NoError(t, a.local.AddService(catalog.Service{Service: "db", Port: 5432}, nil))
		c.sim.RunFor(3 * time.Second)
		require.Len(t, c.health(t, "db"), 1)

		// An operator removes the service through the catalog and adds a
		// stray check to the node; the next full sync undoes both.
		leader := c.servers[c.leader()]
		applied := 0
		for _, cmd := range []catalog.Command{
			&catalog.DeregisterRequest{Node: "c1", ServiceID: "db"},
			&catalog.RegisterRequest{Node: "c1", SkipNodeUpdate: true, Check: &catalog.HealthCheck{Node: "c1", CheckID: "stray", Name: "stray", Status: catalog.HealthPassing}},
		} {
			b, err := catalog.Encode(cmd)
			require.NoError(t, err)
			leader.Apply(b, func(r catalog.Result, err error) {
				require.NoError(t, err)
				require.True(t, r.OK)
				applied++
			})
		}
		before := a.local.sync.commands
		c.sim.RunFor(12 * time.Second)
		require.Equal(t, 2, applied)
		require.Equal(t, before+2, a.local.sync.commands, "one sync re-registered the service and removed the check")
		require.Len(t, c.health(t, "db"), 1, "anti-entropy re-registers a service the catalog lost")
		_, checks, err := c.servers[c.leader()].Catalog().NodeChecks(nil, "c1", catalog.Query{})
		require.NoError(t, err)
		for _, ch := range checks {
			require.NotEqual(t, "stray", ch.CheckID, "anti-entropy removes a check the agent does not have")
		}
	})
}

func TestACriticalServiceIsDeregisteredAfterItsDeadline(t *testing.T) {
	c := newGossipCluster(t, 1)
	a := c.addLocalClient(t, "c1")
	c.sim.RunFor(20 * time.Second)
	require.NoError(t, a.local.AddService(catalog.Service{Service: "flaky"}, []LocalCheck{{
		HealthCheck: catalog.HealthCheck{CheckID: "flaky-ttl", Status: catalog.HealthPassing},
		TTL:         5 * time.Second, DeregisterCriticalServiceAfter: 20 * time.Second,
	}}))
	c.sim.RunFor(15 * time.Second)
	require.Len(t, c.health(t, "flaky"), 1, "critical, but not yet long enough")
	c.sim.RunFor(15 * time.Second)
	require.Empty(t, c.health(t, "flaky"), "removed once critical for 20 s")
	require.Empty(t, a.local.Services())
}

func TestLocalStateRefusesUnknownTargets(t *testing.T) {
	c := newGossipCluster(t, 1)
	a := c.addLocalClient(t, "c1")
	c.sim.RunFor(time.Second)
	require.ErrorIs(t, a.local.RemoveService("nope"), ErrUnknownService)
	require.ErrorIs(t, a.local.UpdateCheck("nope", catalog.HealthPassing, "", true), ErrUnknownCheck)
	require.ErrorIs(t, a.local.AddCheck(LocalCheck{HealthCheck: catalog.HealthCheck{CheckID: "x", ServiceID: "nope"}}), ErrUnknownService)
	require.NoError(t, a.local.AddCheck(LocalCheck{HealthCheck: catalog.HealthCheck{CheckID: "plain"}}))
	require.ErrorIs(t, a.local.UpdateCheck("plain", catalog.HealthPassing, "", true), ErrNotTTL)
	require.ErrorIs(t, a.local.AddCheck(LocalCheck{HealthCheck: catalog.HealthCheck{CheckID: "y", Status: "sideways"}}), catalog.ErrBadCheckStatus)
}
