package core

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cairn-sd/cairn/catalog"
)

// TestAReapedServiceIsReportedWithItsChecks: a service whose TTL check
// stays critical past DeregisterCriticalServiceAfter leaves the local
// state and the catalog, and ServiceReaped names it with its checks.
func TestAReapedServiceIsReportedWithItsChecks(t *testing.T) {
	c := newGossipCluster(t, 3)
	a := c.addLocalClient(t, "c1")
	c.sim.RunFor(20 * time.Second)
	var reaped []string
	var reapedChecks []string
	a.local.cfg.ServiceReaped = func(id string, checks []string) { reaped, reapedChecks = append(reaped, id), checks }
	require.NoError(t, a.local.AddService(catalog.Service{ID: "web1", Service: "web", Port: 80}, []LocalCheck{
		{HealthCheck: catalog.HealthCheck{CheckID: "web-ttl", Name: "ttl", Status: catalog.HealthPassing},
			TTL: 5 * time.Second, DeregisterCriticalServiceAfter: 10 * time.Second},
		{HealthCheck: catalog.HealthCheck{CheckID: "web-other", Name: "other", Status: catalog.HealthPassing}},
	}))
	c.sim.RunFor(3 * time.Second)
	require.Len(t, c.health(t, "web"), 1)
	require.Empty(t, reaped)

	c.sim.RunFor(20 * time.Second)
	require.Equal(t, []string{"web1"}, reaped)
	require.Equal(t, []string{"web-other", "web-ttl"}, reapedChecks)
	require.Empty(t, c.health(t, "web"), "the catalog forgets it too")
}
