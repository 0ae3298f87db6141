package dns

import (
	"testing"

	mdns "github.com/miekg/dns"
	"github.com/stretchr/testify/require"
)

// BenchmarkAnswerServiceSRV measures building the SRV answer for a
// service of 20 instances over UDP (shuffle, health rules, additional
// records, trimming), without sockets.
func BenchmarkAnswerServiceSRV(b *testing.B) {
	c := newTestCatalog(b)
	c.webCluster(20)
	s := New(testConfig(), c.source())
	m := new(mdns.Msg)
	m.SetQuestion("web.service.consul.", mdns.TypeSRV)
	b.ReportAllocs()
	for b.Loop() {
		if len(s.Answer(m, "udp").Answer) == 0 {
			b.Fatal("empty answer")
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "queries/s")
}

// BenchmarkUDPQueriesLoopback measures end-to-end A queries over UDP on
// 127.0.0.1, one client asking in turn.
func BenchmarkUDPQueriesLoopback(b *testing.B) {
	c := newTestCatalog(b)
	c.webCluster(20)
	s := New(testConfig(), c.source())
	listen(b, s)
	client := &mdns.Client{Net: "udp"}
	conn, err := client.Dial(s.Addrs()[0].String())
	require.NoError(b, err)
	defer conn.Close()
	m := new(mdns.Msg)
	m.SetQuestion("web.service.consul.", mdns.TypeA)
	for b.Loop() {
		resp, _, err := client.ExchangeWithConn(m, conn)
		if err != nil || len(resp.Answer) == 0 {
			b.Fatalf("query failed: %v", err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "queries/s")
}
