package runtime

import (
	"testing"
	"time"

	"github.com/hashicorp/consul/api"
	mdns "github.com/miekg/dns"
	"github.com/stretchr/testify/require"
)

// startTwoDatacenters starts a dev server in dc1 and one in dc2, joins
// them in the WAN pool and returns both with their clients.
func startTwoDatacenters(t *testing.T) (a1 *Agent, c1 *api.Client, a2 *Agent, c2 *api.Client) {
	t.Helper()
	a1, c1 = startAgent(t, `, "datacenter": "dc1"`)
	a2, c2 = startAgent(t, `, "datacenter": "dc2"`)
	var wanAddr string
	a2.env.Do(func() { wanAddr = a2.server.WAN().Addr() })
	require.NoError(t, c1.Agent().Join(wanAddr, true))
	require.Eventually(t, func() bool {
		dcs, err := c1.Catalog().Datacenters()
		return err == nil && len(dcs) == 2
	}, testWait, 20*time.Millisecond, "the two servers meet in the WAN pool")
	return a1, c1, a2, c2
}

func TestDNSAnswersNamesOfAnotherDatacenterAcrossTheWAN(t *testing.T) {
	a1, _, _, c2 := startTwoDatacenters(t)
	for _, reg := range []*api.CatalogRegistration{
		{Node: "far-1", Address: "10.2.0.1", Service: &api.AgentService{ID: "web", Service: "web", Port: 8080, Tags: []string{"v2"}}},
		{Node: "far-2", Address: "10.2.0.2", Service: &api.AgentService{ID: "web", Service: "web", Port: 8081},
			Check: &api.AgentCheck{CheckID: "web-down", Name: "down", Status: api.HealthCritical, ServiceID: "web"}},
	} {
		_, err := c2.Catalog().Register(reg, nil)
		require.NoError(t, err)
	}
	addr := a1.DNSAddr()

	r := dnsQuery(t, addr, "far-1.node.dc2.consul.", mdns.TypeA)
	require.Equal(t, mdns.RcodeSuccess, r.Rcode)
	require.Len(t, r.Answer, 1)
	require.Equal(t, "10.2.0.1", r.Answer[0].(*mdns.A).A.String())

	r = dnsQuery(t, addr, "web.service.dc2.consul.", mdns.TypeA)
	require.Equal(t, mdns.RcodeSuccess, r.Rcode)
	require.Len(t, r.Answer, 1, "the critical instance in dc2 is dropped")
	require.Equal(t, "10.2.0.1", r.Answer[0].(*mdns.A).A.String())

	for _, name := range []string{"v2.web.service.dc2.consul.", "_web._v2.service.dc2.consul.", "_web._tcp.service.dc2.consul."} {
		r = dnsQuery(t, addr, name, mdns.TypeSRV)
		require.Equal(t, mdns.RcodeSuccess, r.Rcode, name)
		require.Len(t, r.Answer, 1, name)
		srv := r.Answer[0].(*mdns.SRV)
		require.EqualValues(t, 8080, srv.Port, name)
		require.Equal(t, "far-1.node.dc2.consul.", srv.Target, name)
	}

	require.Equal(t, mdns.RcodeNameError, dnsQuery(t, addr, "web.service.consul.", mdns.TypeA).Rcode, "dc1 has no web")
	require.Equal(t, mdns.RcodeNameError, dnsQuery(t, addr, "nope.service.dc2.consul.", mdns.TypeA).Rcode)
	r = dnsQuery(t, addr, "web.service.dc9.consul.", mdns.TypeA)
	require.Equal(t, mdns.RcodeNameError, r.Rcode, "no path to dc9")
	require.Len(t, r.Ns, 1, "with the SOA")
}
