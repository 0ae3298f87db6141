package main

import (
	"net"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/miekg/dns"
	"github.com/stretchr/testify/require"
)

// fakeDNS answers A queries for the benchmark's service with one record
// and anything else with NXDOMAIN.
func fakeDNS(t *testing.T) string {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	require.NoError(t, err)
	srv := &dns.Server{PacketConn: pc, Handler: dns.HandlerFunc(func(w dns.ResponseWriter, q *dns.Msg) {
		r := new(dns.Msg).SetReply(q)
		if q.Question[0].Name == dnsName+".service.consul." {
			r.Answer = append(r.Answer, &dns.A{Hdr: dns.RR_Header{Name: q.Question[0].Name, Rrtype: dns.TypeA, Class: dns.ClassINET, Ttl: 0}, A: net.IPv4(10, 0, 0, 1)})
		} else {
			r.Rcode = dns.RcodeNameError
		}
		w.WriteMsg(r)
	})}
	go srv.ActivateAndServe()
	t.Cleanup(func() { srv.Shutdown() })
	return pc.LocalAddr().String()
}

func TestDNSAndCatalogMeasurementsReportEveryClientCount(t *testing.T) {
	srv := httptest.NewServer(newFakeAgent())
	defer srv.Close()
	out := runBench(t, "-addr", strings.TrimPrefix(srv.URL, "http://"), "-dns-addr", fakeDNS(t),
		"-tests", "dns,catalog", "-clients", "1,3", "-duration", "200ms")
	require.Regexp(t, `(?m)^bench=dns clients=1 queries=[1-9]\d* errors=0 queries_per_sec=`, out)
	require.Regexp(t, `(?m)^bench=dns clients=3 queries=[1-9]\d* errors=0 `, out)
	require.Regexp(t, `(?m)^bench=catalog-register clients=3 ops=[1-9]\d* errors=0 `, out)
}

func TestLookupRejectsAnEmptyAnswer(t *testing.T) {
	addr := fakeDNS(t)
	c := &dns.Client{Net: "udp"}
	require.NoError(t, lookup(c, nil, addr, new(dns.Msg).SetQuestion(dnsName+".service.consul.", dns.TypeA)))
	err := lookup(c, nil, addr, new(dns.Msg).SetQuestion("other.service.consul.", dns.TypeA))
	require.ErrorContains(t, err, "NXDOMAIN")
}

func TestMemoryWithoutStartedAgentsSaysUnknown(t *testing.T) {
	out := runBench(t, "-addr", "127.0.0.1:1", "-tests", "memory")
	require.Equal(t, "bench=memory agent=target idle_mib=unknown loaded_peak_mib=unknown now_mib=unknown\n", out)
}
