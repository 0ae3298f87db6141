package dns

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/cairn-sd/cairn/catalog"
	mdns "github.com/miekg/dns"
	"github.com/stretchr/testify/require"
)

// testCatalog is a catalog.State that tests fill through Apply, as the
// Raft log would.
type testCatalog struct {
	t     testing.TB
	state *catalog.State
	index uint64
}

func newTestCatalog(t testing.TB) *testCatalog {
	return &testCatalog{t: t, state: catalog.New(nil)}
}

// register applies one RegisterRequest.
func (c *testCatalog) register(r *catalog.RegisterRequest) {
	c.t.Helper()
	b, err := catalog.Encode(r)
	require.NoError(c.t, err)
	c.index++
	res := c.state.Apply(c.index, b)
	require.NoError(c.t, res.(catalog.Result).Err)
}

// node registers a node with a passing node check.
func (c *testCatalog) node(name, addr string) {
	c.register(&catalog.RegisterRequest{
		Node: name, Address: addr,
		Check: &catalog.HealthCheck{CheckID: "serfHealth", Name: "Serf Health Status", Status: catalog.HealthPassing},
	})
}

// instance registers a service instance on an existing node, with one
// service check in status.
func (c *testCatalog) instance(node string, svc *catalog.Service, status string) {
	c.register(&catalog.RegisterRequest{
		Node: node, SkipNodeUpdate: true, Service: svc,
		Check: &catalog.HealthCheck{CheckID: "check:" + svc.ID, Name: "check", Status: status, ServiceID: svc.ID},
	})
}

// webCluster registers n nodes web-0..web-(n-1) at 10.0.<i/250>.<i%250+1>,
// each with a passing "web" instance on port 8080 tagged "primary" on
// even nodes and "secondary" on odd ones.
func (c *testCatalog) webCluster(n int) {
	for i := range n {
		name := fmt.Sprintf("web-%d", i)
		c.node(name, fmt.Sprintf("10.0.%d.%d", i/250, i%250+1))
		tag := "primary"
		if i%2 == 1 {
			tag = "secondary"
		}
		c.instance(name, &catalog.Service{ID: "web", Service: "web", Port: 8080, Tags: []string{tag}}, catalog.HealthPassing)
	}
}

func (c *testCatalog) source() Source { return StateSource{State: c.state} }

// testConfig is a Config for datacenter dc1 with a seeded shuffle.
func testConfig() Config {
	return Config{Datacenter: "dc1", Rand: rand.New(rand.NewPCG(1, 2))}
}

// listen starts s on 127.0.0.1 port 0 and stops it when the test ends.
func listen(t testing.TB, s *Server) {
	t.Helper()
	require.NoError(t, s.ListenAndServe("127.0.0.1:0"))
	t.Cleanup(func() { require.NoError(t, s.Shutdown(context.Background())) })
}

// exchange sends one question to s over network and returns the reply.
func exchange(t testing.TB, s *Server, network, name string, qtype uint16) *mdns.Msg {
	t.Helper()
	m := new(mdns.Msg)
	m.SetQuestion(name, qtype)
	return exchangeMsg(t, s, network, m)
}

func exchangeMsg(t testing.TB, s *Server, network string, m *mdns.Msg) *mdns.Msg {
	t.Helper()
	addrs := s.Addrs()
	require.Len(t, addrs, 2)
	addr := addrs[0].String()
	if network == "tcp" {
		addr = addrs[1].String()
	}
	c := &mdns.Client{Net: network}
	resp, _, err := c.Exchange(m, addr)
	require.NoError(t, err)
	return resp
}

// answerStrings returns the answer section's A/AAAA addresses, SRV
// "port target" pairs, PTR and TXT values, in order.
func answerStrings(rrs []mdns.RR) []string {
	var out []string
	for _, rr := range rrs {
		switch v := rr.(type) {
		case *mdns.A:
			out = append(out, v.A.String())
		case *mdns.AAAA:
			out = append(out, v.AAAA.String())
		case *mdns.SRV:
			out = append(out, fmt.Sprintf("%d %s", v.Port, v.Target))
		case *mdns.PTR:
			out = append(out, v.Ptr)
		case *mdns.TXT:
			out = append(out, v.Txt...)
		case *mdns.CNAME:
			out = append(out, "cname "+v.Target)
		}
	}
	return out
}
