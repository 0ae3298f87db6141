package dns

import (
	"testing"

	"github.com/cairn-sd/cairn/catalog"
	mdns "github.com/miekg/dns"
	"github.com/stretchr/testify/require"
)

// FuzzAnswer feeds arbitrary bytes to the server as a query: whatever
// miekg/dns decodes, Answer must turn into a response that encodes, over
// both transports, without panicking.
func FuzzAnswer(f *testing.F) {
	for _, q := range []struct {
		name  string
		qtype uint16
	}{
		{"web.service.consul.", mdns.TypeA},
		{"_web._tcp.service.dc1.consul.", mdns.TypeSRV},
		{"web-0.node.consul.", mdns.TypeANY},
		{"0a000001.addr.consul.", mdns.TypeAAAA},
		{"1.0.0.10.in-addr.arpa.", mdns.TypePTR},
		{"consul.", mdns.TypeNS},
		{"web.service.dc2.consul.", mdns.TypeA},
		{"geo.query.consul.", mdns.TypeSRV},
		{"_geo._tcp.query.dc2.consul.", mdns.TypeSRV},
		{"example.org.", mdns.TypeA},
	} {
		m := new(mdns.Msg)
		m.SetQuestion(q.name, q.qtype)
		m.SetEdns0(1232, false)
		b, err := m.Pack()
		require.NoError(f, err)
		f.Add(b)
	}
	f.Add([]byte{0, 1, 1, 0, 0, 2, 0, 0, 0, 0, 0, 0})
	f.Add([]byte{0xff})

	c := newTestCatalog(f)
	c.webCluster(12)
	c.instance("web-0", &catalog.Service{ID: "api", Service: "api", Port: 1, Address: "fd00::9"}, catalog.HealthWarning)
	cfg := testConfig()
	cfg.EnableTruncate = true
	s := New(cfg, fixedQueries{Source: c.source(), answer: &QueryAnswer{Datacenter: "dc2", TTL: 5e9, HasTTL: true,
		Nodes: []*catalog.CheckServiceNode{queryRow("db-1", "10.1.0.1", 5432, "primary"), queryRow("db-2", "fd00::2", 5433)}}})

	f.Fuzz(func(t *testing.T, b []byte) {
		req := new(mdns.Msg)
		if req.Unpack(b) != nil {
			return
		}
		for _, network := range []string{"udp", "tcp"} {
			resp := s.Answer(req, network)
			_, err := resp.Pack()
			require.NoError(t, err)
		}
	})
}

// fixedQueries answers every prepared query with the same answer.
type fixedQueries struct {
	Source
	answer *QueryAnswer
}

func (f fixedQueries) ExecuteQuery(string) (*QueryAnswer, error) { return f.answer, nil }
