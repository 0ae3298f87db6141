package runtime

import (
	"testing"
	"time"

	"github.com/hashicorp/consul/api"
	mdns "github.com/miekg/dns"
	"github.com/stretchr/testify/require"
)

func dnsQuery(t *testing.T, addr, name string, qtype uint16) *mdns.Msg {
	t.Helper()
	m := new(mdns.Msg)
	m.SetQuestion(name, qtype)
	c := &mdns.Client{Timeout: 5 * time.Second}
	r, _, err := c.Exchange(m, addr)
	require.NoError(t, err)
	return r
}

func TestAgentAnswersDNSForItsNodeAndRegisteredServices(t *testing.T) {
	a, client := startAgent(t, "")
	addr := a.DNSAddr()
	require.NotEmpty(t, addr)
	ba, err := ReadBoundAddresses(a.DataDir())
	require.NoError(t, err)
	require.Equal(t, addr, ba.DNS)

	r := dnsQuery(t, addr, testNode+".node.consul.", mdns.TypeA)
	require.Equal(t, mdns.RcodeSuccess, r.Rcode)
	require.Len(t, r.Answer, 1)
	require.Equal(t, "127.0.0.1", r.Answer[0].(*mdns.A).A.String())

	_, err = client.Catalog().Register(&api.CatalogRegistration{
		Node: "web-1", Address: "10.0.0.7",
		Service: &api.AgentService{ID: "web", Service: "web", Port: 8080},
	}, nil)
	require.NoError(t, err)
	r = dnsQuery(t, addr, "web.service.consul.", mdns.TypeSRV)
	require.Equal(t, mdns.RcodeSuccess, r.Rcode)
	require.Len(t, r.Answer, 1)
	require.EqualValues(t, 8080, r.Answer[0].(*mdns.SRV).Port)

	r = dnsQuery(t, addr, "nope.service.consul.", mdns.TypeA)
	require.Equal(t, mdns.RcodeNameError, r.Rcode, "an unknown service is NXDOMAIN")
}
