package dns

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/cairn-sd/cairn/catalog"
	mdns "github.com/miekg/dns"
	"github.com/stretchr/testify/require"
)

func TestNodeLookupAnswersTheNodeAddressOverUDPAndTCP(t *testing.T) {
	c := newTestCatalog(t)
	c.node("alpha", "10.1.2.3")
	c.node("beta", "fd00::7")
	c.register(&catalog.RegisterRequest{Node: "gamma", Address: "10.1.2.4", NodeMeta: map[string]string{"rack": "a", "rfc1035-note": "plain"}})
	s := New(testConfig(), c.source())
	listen(t, s)

	for _, network := range []string{"udp", "tcp"} {
		for _, name := range []string{"alpha.node.consul.", "alpha.node.dc1.consul.", "alpha.node.dc1.dc.consul."} {
			resp := exchange(t, s, network, name, mdns.TypeA)
			require.Equal(t, mdns.RcodeSuccess, resp.Rcode, name)
			require.True(t, resp.Authoritative)
			require.Equal(t, []string{"10.1.2.3"}, answerStrings(resp.Answer), name)
			require.Equal(t, name, resp.Answer[0].Header().Name)
		}
	}
	resp := exchange(t, s, "udp", "beta.node.consul.", mdns.TypeAAAA)
	require.Equal(t, []string{"fd00::7"}, answerStrings(resp.Answer))
	resp = exchange(t, s, "udp", "beta.node.consul.", mdns.TypeA)
	require.Equal(t, mdns.RcodeSuccess, resp.Rcode, "the node exists, it just has no IPv4 address")
	require.Empty(t, resp.Answer)
	require.Len(t, resp.Ns, 1)
	resp = exchange(t, s, "udp", "gamma.node.consul.", mdns.TypeANY)
	require.Equal(t, []string{"10.1.2.4", "rack=a", "plain"}, answerStrings(resp.Answer))
}

// apiServer serves n web instances and an "api" instance on web-0 with
// an address of its own, 192.168.9.9.
func apiServer(t *testing.T, n int) *Server {
	c := newTestCatalog(t)
	c.webCluster(n)
	c.instance("web-0", &catalog.Service{ID: "api", Service: "api", Port: 9000, Address: "192.168.9.9"}, catalog.HealthPassing)
	s := New(testConfig(), c.source())
	listen(t, s)
	return s
}

func TestServiceALookupAnswersEveryInstanceAddress(t *testing.T) {
	s := apiServer(t, 3)

	resp := exchange(t, s, "udp", "web.service.consul.", mdns.TypeA)
	require.Equal(t, mdns.RcodeSuccess, resp.Rcode)
	require.ElementsMatch(t, []string{"10.0.0.1", "10.0.0.2", "10.0.0.3"}, answerStrings(resp.Answer))
	resp = exchange(t, s, "udp", "api.service.dc1.consul.", mdns.TypeA)
	require.Equal(t, []string{"192.168.9.9"}, answerStrings(resp.Answer), "a service address beats the node address")
}

func TestServiceSRVPutsTargetAddressesInTheAdditionalSection(t *testing.T) {
	s := apiServer(t, 2)

	resp := exchange(t, s, "udp", "web.service.consul.", mdns.TypeSRV)
	require.ElementsMatch(t, []string{"8080 web-0.node.dc1.consul.", "8080 web-1.node.dc1.consul."}, answerStrings(resp.Answer))
	for _, rr := range resp.Answer {
		srv := rr.(*mdns.SRV)
		require.Equal(t, uint16(1), srv.Priority)
		require.Equal(t, uint16(1), srv.Weight)
	}
	extra := map[string]string{}
	for _, rr := range resp.Extra {
		if a, ok := rr.(*mdns.A); ok {
			extra[a.Hdr.Name] = a.A.String()
		}
	}
	require.Equal(t, map[string]string{"web-0.node.dc1.consul.": "10.0.0.1", "web-1.node.dc1.consul.": "10.0.0.2"}, extra)

	resp = exchange(t, s, "udp", "api.service.consul.", mdns.TypeSRV)
	require.Equal(t, []string{"9000 c0a80909.addr.dc1.consul."}, answerStrings(resp.Answer))
	require.Equal(t, []string{"192.168.9.9"}, answerStrings(resp.Extra))
	resp = exchange(t, s, "udp", "c0a80909.addr.dc1.consul.", mdns.TypeA)
	require.Equal(t, []string{"192.168.9.9"}, answerStrings(resp.Answer), "the .addr target resolves")
}

func TestTagSelectsInstancesInBothForms(t *testing.T) {
	c := newTestCatalog(t)
	c.webCluster(4)
	s := New(testConfig(), c.source())
	listen(t, s)

	resp := exchange(t, s, "udp", "primary.web.service.consul.", mdns.TypeA)
	require.ElementsMatch(t, []string{"10.0.0.1", "10.0.0.3"}, answerStrings(resp.Answer))
	resp = exchange(t, s, "udp", "_web._secondary.service.consul.", mdns.TypeSRV)
	require.ElementsMatch(t, []string{"8080 web-1.node.dc1.consul.", "8080 web-3.node.dc1.consul."}, answerStrings(resp.Answer))
	resp = exchange(t, s, "udp", "nosuchtag.web.service.consul.", mdns.TypeA)
	require.Equal(t, mdns.RcodeNameError, resp.Rcode)
}

func TestRFC2782TCPLabelMeansNoTagFilter(t *testing.T) {
	c := newTestCatalog(t)
	c.webCluster(2)
	s := New(testConfig(), c.source())
	listen(t, s)

	want := []string{"8080 web-0.node.dc1.consul.", "8080 web-1.node.dc1.consul."}
	for _, name := range []string{"_web._tcp.service.consul.", "_web._tcp.service.dc1.consul.", "_web._tcp.consul.", "_web._tcp.dc1.consul."} {
		resp := exchange(t, s, "udp", name, mdns.TypeSRV)
		require.Equal(t, mdns.RcodeSuccess, resp.Rcode, name)
		require.ElementsMatch(t, want, answerStrings(resp.Answer), name)
		require.Len(t, resp.Extra, 2, name)
	}
	resp := exchange(t, s, "udp", "_web._udp.service.consul.", mdns.TypeSRV)
	require.Equal(t, mdns.RcodeNameError, resp.Rcode, "_udp is a tag like any other")
}

func healthCatalog(t *testing.T) *testCatalog {
	c := newTestCatalog(t)
	c.node("n1", "10.0.0.1")
	c.node("n2", "10.0.0.2")
	c.node("n3", "10.0.0.3")
	c.instance("n1", &catalog.Service{ID: "db", Service: "db", Port: 5432}, catalog.HealthPassing)
	c.instance("n2", &catalog.Service{ID: "db", Service: "db", Port: 5432, Weights: catalog.Weights{Passing: 10, Warning: 3}}, catalog.HealthWarning)
	c.instance("n3", &catalog.Service{ID: "db", Service: "db", Port: 5432}, catalog.HealthCritical)
	return c
}

func TestCriticalInstanceDroppedWarningKept(t *testing.T) {
	s := New(testConfig(), healthCatalog(t).source())
	listen(t, s)

	resp := exchange(t, s, "udp", "db.service.consul.", mdns.TypeA)
	require.ElementsMatch(t, []string{"10.0.0.1", "10.0.0.2"}, answerStrings(resp.Answer))
	resp = exchange(t, s, "udp", "db.service.consul.", mdns.TypeSRV)
	weights := map[string]uint16{}
	for _, rr := range resp.Answer {
		weights[rr.(*mdns.SRV).Target] = rr.(*mdns.SRV).Weight
	}
	require.Equal(t, map[string]uint16{"n1.node.dc1.consul.": 1, "n2.node.dc1.consul.": 3}, weights, "a warning instance gets its warning weight")
}

func TestOnlyPassingDropsWarningInstances(t *testing.T) {
	cfg := testConfig()
	cfg.OnlyPassing = true
	s := New(cfg, healthCatalog(t).source())
	listen(t, s)

	resp := exchange(t, s, "udp", "db.service.consul.", mdns.TypeA)
	require.Equal(t, []string{"10.0.0.1"}, answerStrings(resp.Answer))
}

func TestCriticalNodeCheckDropsItsInstances(t *testing.T) {
	c := healthCatalog(t)
	c.register(&catalog.RegisterRequest{Node: "n1", SkipNodeUpdate: true,
		Check: &catalog.HealthCheck{CheckID: "serfHealth", Name: "Serf Health Status", Status: catalog.HealthCritical}})
	s := New(testConfig(), c.source())
	listen(t, s)

	resp := exchange(t, s, "udp", "db.service.consul.", mdns.TypeA)
	require.Equal(t, []string{"10.0.0.2"}, answerStrings(resp.Answer))
}

func TestUnknownNamesAreNXDomainWithSOA(t *testing.T) {
	c := newTestCatalog(t)
	c.webCluster(1)
	cfg := testConfig()
	cfg.SOA.MinTTLSeconds = 30
	s := New(cfg, c.source())
	listen(t, s)

	for _, name := range []string{
		"nosuch.service.consul.", "nosuch.node.consul.", "web.nosuchkind.consul.",
		"a.b.c.service.consul.", "zz.addr.consul.", "web.service.dc2.consul.",
	} {
		resp := exchange(t, s, "udp", name, mdns.TypeA)
		require.Equal(t, mdns.RcodeNameError, resp.Rcode, name)
		require.Empty(t, resp.Answer, name)
		require.Len(t, resp.Ns, 1, name)
		soa, ok := resp.Ns[0].(*mdns.SOA)
		require.True(t, ok, name)
		require.Equal(t, "consul.", soa.Hdr.Name)
		require.Equal(t, "ns.consul.", soa.Ns)
		require.Equal(t, "hostmaster.consul.", soa.Mbox)
		require.Equal(t, uint32(30), soa.Minttl)
		require.Equal(t, uint32(3600), soa.Refresh)
		require.Equal(t, uint32(600), soa.Retry)
		require.Equal(t, uint32(86400), soa.Expire)
	}
	resp := exchange(t, s, "udp", "consul.", mdns.TypeSOA)
	require.Equal(t, mdns.RcodeSuccess, resp.Rcode)
	require.Len(t, resp.Answer, 1)
}

func TestUDPAnswerIsLimitedAndTruncatedWhileTCPCarriesAll(t *testing.T) {
	c := newTestCatalog(t)
	c.webCluster(20)
	cfg := testConfig()
	cfg.EnableTruncate = true
	s := New(cfg, c.source())
	listen(t, s)

	for _, qtype := range []uint16{mdns.TypeA, mdns.TypeSRV} {
		resp := exchange(t, s, "udp", "web.service.consul.", qtype)
		require.Len(t, resp.Answer, DefaultUDPAnswerLimit)
		require.True(t, resp.Truncated)
		if qtype == mdns.TypeSRV {
			require.Len(t, resp.Extra, DefaultUDPAnswerLimit, "extras follow the kept answers")
		}
		resp = exchange(t, s, "tcp", "web.service.consul.", qtype)
		require.Len(t, resp.Answer, 20)
		require.False(t, resp.Truncated)
	}

	cfg.EnableTruncate = false
	quiet := New(cfg, c.source())
	listen(t, quiet)
	resp := exchange(t, quiet, "udp", "web.service.consul.", mdns.TypeA)
	require.Len(t, resp.Answer, DefaultUDPAnswerLimit)
	require.False(t, resp.Truncated, "Consul sets TC only with enable_truncate")
}

func TestUDPAnswerIsCutToThePacketSize(t *testing.T) {
	c := newTestCatalog(t)
	c.webCluster(60)
	cfg := testConfig()
	cfg.UDPAnswerLimit = -1
	cfg.EnableTruncate = true
	s := New(cfg, c.source())
	listen(t, s)

	m := new(mdns.Msg)
	m.SetQuestion("web.service.consul.", mdns.TypeSRV)
	resp := exchangeMsg(t, s, "udp", m)
	require.True(t, resp.Truncated)
	require.NotEmpty(t, resp.Answer)
	require.Less(t, len(resp.Answer), 60)
	resp.Compress = true
	require.LessOrEqual(t, resp.Len(), 512)
	require.Len(t, resp.Extra, len(resp.Answer))

	m.SetEdns0(4096, false)
	big := exchangeMsg(t, s, "udp", m)
	require.Greater(t, len(big.Answer), len(resp.Answer), "EDNS0 buys room")
	require.NotNil(t, big.IsEdns0())
	require.Len(t, exchangeMsg(t, s, "tcp", m).Answer, 60)
}

func TestNamesAndDomainMatchWithoutCase(t *testing.T) {
	c := newTestCatalog(t)
	c.node("Alpha", "10.1.2.3")
	c.instance("Alpha", &catalog.Service{ID: "web", Service: "web", Port: 80, Tags: []string{"Blue"}}, catalog.HealthPassing)
	s := New(testConfig(), c.source())
	listen(t, s)

	for _, name := range []string{"alpha.NODE.Consul.", "ALPHA.node.DC1.consul.", "WEB.Service.CONSUL.", "blue.web.service.consul.", "_Web._TCP.service.consul."} {
		qtype := mdns.TypeA
		if name[0] == '_' {
			qtype = mdns.TypeSRV
		}
		resp := exchange(t, s, "udp", name, qtype)
		require.Equal(t, mdns.RcodeSuccess, resp.Rcode, name)
		require.Len(t, resp.Answer, 1, name)
		require.Equal(t, name, resp.Answer[0].Header().Name, "records echo the question's spelling")
	}
}

func TestACLHookFiltersInstancesAndNodes(t *testing.T) {
	c := newTestCatalog(t)
	c.webCluster(3)
	cfg := testConfig()
	cfg.Allow = func(kind, name string) bool {
		return !(kind == KindNode && name == "web-1") && !(kind == KindService && name == "secret")
	}
	c.instance("web-0", &catalog.Service{ID: "secret", Service: "secret", Port: 1}, catalog.HealthPassing)
	s := New(cfg, c.source())
	listen(t, s)

	resp := exchange(t, s, "udp", "web.service.consul.", mdns.TypeA)
	require.ElementsMatch(t, []string{"10.0.0.1", "10.0.0.3"}, answerStrings(resp.Answer))
	require.Equal(t, mdns.RcodeNameError, exchange(t, s, "udp", "web-1.node.consul.", mdns.TypeA).Rcode)
	require.Equal(t, mdns.RcodeNameError, exchange(t, s, "udp", "secret.service.consul.", mdns.TypeA).Rcode)
	require.Equal(t, mdns.RcodeSuccess, exchange(t, s, "udp", "web-0.node.consul.", mdns.TypeA).Rcode)
	require.Equal(t, mdns.RcodeNameError, exchange(t, s, "udp", "2.0.0.10.in-addr.arpa.", mdns.TypePTR).Rcode)
}

func TestOtherDatacenterIsAnsweredFromItsRemoteSource(t *testing.T) {
	c := newTestCatalog(t)
	c.webCluster(1)
	dc2 := newTestCatalog(t)
	dc2.node("far", "10.9.9.9")
	dc2.instance("far", &catalog.Service{ID: "web", Service: "web", Port: 9090, Tags: []string{"v2"}}, catalog.HealthPassing)
	dc2.node("sick", "10.9.9.10")
	dc2.instance("sick", &catalog.Service{ID: "web", Service: "web", Port: 9090}, catalog.HealthCritical)
	cfg := testConfig()
	var mu sync.Mutex
	var asked []string
	cfg.Remote = func(dc string) Source {
		mu.Lock()
		defer mu.Unlock()
		asked = append(asked, dc)
		switch dc {
		case "dc2":
			return dc2.source()
		case "broken":
			return failingSource{errors.New("rpc error")}
		}
		return failingSource{fmt.Errorf("relay: %w", ErrUnknownDatacenter)}
	}
	s := New(cfg, c.source())
	listen(t, s)

	resp := exchange(t, s, "udp", "web.service.DC2.consul.", mdns.TypeA)
	require.Equal(t, []string{"10.9.9.9"}, answerStrings(resp.Answer), "dc2's healthy instance only")
	resp = exchange(t, s, "udp", "_web._v2.service.dc2.consul.", mdns.TypeSRV)
	require.Equal(t, []string{"9090 far.node.dc2.consul."}, answerStrings(resp.Answer), "the SRV target names dc2")
	require.Equal(t, []string{"10.9.9.9"}, answerStrings(resp.Extra[:1]))
	require.Equal(t, []string{"10.9.9.9"}, answerStrings(exchange(t, s, "udp", "far.node.dc2.consul.", mdns.TypeA).Answer))
	require.Equal(t, mdns.RcodeServerFailure, exchange(t, s, "udp", "web.service.broken.consul.", mdns.TypeA).Rcode)
	resp = exchange(t, s, "udp", "web.service.dc9.consul.", mdns.TypeA)
	require.Equal(t, mdns.RcodeNameError, resp.Rcode, "no path to dc9")
	require.Len(t, resp.Ns, 1)
	require.Equal(t, []string{"10.0.0.1"}, answerStrings(exchange(t, s, "udp", "web.service.dc1.consul.", mdns.TypeA).Answer))
	mu.Lock()
	defer mu.Unlock()
	require.Equal(t, []string{"dc2", "dc2", "dc2", "broken", "dc9"}, asked, "the local datacenter is never asked remotely")
}

func TestNamesOutsideTheDomainAreRefusedOrRecursed(t *testing.T) {
	c := newTestCatalog(t)
	c.webCluster(1)
	s := New(testConfig(), c.source())
	listen(t, s)
	require.Equal(t, mdns.RcodeRefused, exchange(t, s, "udp", "example.org.", mdns.TypeA).Rcode)

	upstream := newTestCatalog(t)
	upstream.node("www", "10.8.8.8")
	up := New(Config{Domain: "example.org.", Datacenter: "x"}, upstream.source())
	listen(t, up)
	cfg := testConfig()
	cfg.Recursors = []string{"127.0.0.1:1", up.Addrs()[0].String()}
	rec := New(cfg, c.source())
	listen(t, rec)
	resp := exchange(t, rec, "udp", "www.node.example.org.", mdns.TypeA)
	require.Equal(t, []string{"10.8.8.8"}, answerStrings(resp.Answer), "the second recursor answers after the first fails")
	require.True(t, exchange(t, rec, "udp", "web.service.consul.", mdns.TypeA).RecursionAvailable)
}

func TestPTRAnswersKnownNodeAddresses(t *testing.T) {
	c := newTestCatalog(t)
	c.node("alpha", "10.1.2.3")
	c.node("six", "fd00::1")
	s := New(testConfig(), c.source())
	listen(t, s)

	resp := exchange(t, s, "udp", "3.2.1.10.in-addr.arpa.", mdns.TypePTR)
	require.Equal(t, []string{"alpha.node.dc1.consul."}, answerStrings(resp.Answer))
	rev, err := mdns.ReverseAddr("fd00::1")
	require.NoError(t, err)
	resp = exchange(t, s, "tcp", rev, mdns.TypePTR)
	require.Equal(t, []string{"six.node.dc1.consul."}, answerStrings(resp.Answer))
	resp = exchange(t, s, "udp", "9.9.9.10.in-addr.arpa.", mdns.TypePTR)
	require.Equal(t, mdns.RcodeNameError, resp.Rcode)
}

func TestAltDomainAnswersTheSameNames(t *testing.T) {
	c := newTestCatalog(t)
	c.webCluster(1)
	cfg := testConfig()
	cfg.AltDomain = "cairn.internal"
	s := New(cfg, c.source())
	listen(t, s)

	resp := exchange(t, s, "udp", "web.service.cairn.internal.", mdns.TypeSRV)
	require.Equal(t, []string{"8080 web-0.node.dc1.cairn.internal."}, answerStrings(resp.Answer))
}

func TestMalformedQueriesGetFormErr(t *testing.T) {
	s := New(testConfig(), newTestCatalog(t).source())
	listen(t, s)

	two := new(mdns.Msg)
	two.SetQuestion("a.node.consul.", mdns.TypeA)
	two.Question = append(two.Question, two.Question[0])
	require.Equal(t, mdns.RcodeFormatError, exchangeMsg(t, s, "udp", two).Rcode)

	conn, err := net.Dial("udp", s.Addrs()[0].String())
	require.NoError(t, err)
	defer conn.Close()
	garbage := []byte{0xbe, 0xef, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x3f, 'x'}
	_, err = conn.Write(garbage)
	require.NoError(t, err)
	buf := make([]byte, 512)
	n, err := conn.Read(buf)
	require.NoError(t, err)
	resp := new(mdns.Msg)
	require.NoError(t, resp.Unpack(buf[:n]))
	require.Equal(t, uint16(0xbeef), resp.Id)
	require.Equal(t, mdns.RcodeFormatError, resp.Rcode)
	require.Equal(t, mdns.RcodeSuccess, exchange(t, s, "udp", "consul.", mdns.TypeSOA).Rcode, "the server still answers")
}

func TestShuffleFollowsTheSeed(t *testing.T) {
	c := newTestCatalog(t)
	c.webCluster(8)
	orders := func() []string {
		s := New(testConfig(), c.source())
		var out []string
		for range 5 {
			m := new(mdns.Msg)
			m.SetQuestion("web.service.consul.", mdns.TypeA)
			out = append(out, fmt.Sprint(answerStrings(s.Answer(m, "tcp").Answer)))
		}
		return out
	}
	first := orders()
	require.Equal(t, first, orders(), "the same seed gives the same orders")
	distinct := map[string]bool{}
	for _, o := range first {
		distinct[o] = true
	}
	require.Greater(t, len(distinct), 1, "answers are shuffled")
}

func TestRecordsCarryTheConfiguredTTLs(t *testing.T) {
	c := newTestCatalog(t)
	c.webCluster(1)
	cfg := testConfig()
	cfg.NodeTTL = 7 * time.Second
	cfg.ServiceTTL = map[string]time.Duration{"*": 5 * time.Second, "we*": 9 * time.Second}
	s := New(cfg, c.source())
	listen(t, s)

	require.Equal(t, uint32(7), exchange(t, s, "udp", "web-0.node.consul.", mdns.TypeA).Answer[0].Header().Ttl)
	resp := exchange(t, s, "udp", "web.service.consul.", mdns.TypeSRV)
	require.Equal(t, uint32(9), resp.Answer[0].Header().Ttl)
	require.Equal(t, uint32(9), resp.Extra[0].Header().Ttl)
}

// failingSource is a Source whose every read fails with err, as an RPC
// to unreachable servers does.
type failingSource struct{ err error }

func (f failingSource) Node(string) (*catalog.Node, uint64, error) { return nil, 0, f.err }
func (f failingSource) Nodes() ([]*catalog.Node, uint64, error)    { return nil, 0, f.err }
func (f failingSource) ServiceInstances(string, string) ([]*catalog.CheckServiceNode, uint64, error) {
	return nil, 0, f.err
}

func TestSourceFailureIsServFail(t *testing.T) {
	s := New(testConfig(), failingSource{errors.New("down")})
	listen(t, s)
	require.Equal(t, mdns.RcodeServerFailure, exchange(t, s, "udp", "web.service.consul.", mdns.TypeA).Rcode)
	require.Equal(t, mdns.RcodeServerFailure, exchange(t, s, "udp", "n1.node.consul.", mdns.TypeA).Rcode)
	require.Equal(t, mdns.RcodeServerFailure, exchange(t, s, "udp", "1.0.0.10.in-addr.arpa.", mdns.TypePTR).Rcode)
}

func TestListenTwiceFailsAndShutdownClearsAddrs(t *testing.T) {
	s := New(testConfig(), newTestCatalog(t).source())
	require.Empty(t, s.Addrs())
	require.NoError(t, s.ListenAndServe("127.0.0.1:0"))
	addrs := s.Addrs()
	require.Len(t, addrs, 2)
	require.Equal(t, addrs[0].(*net.UDPAddr).Port, addrs[1].(*net.TCPAddr).Port, "UDP and TCP share the port")
	require.ErrorIs(t, s.ListenAndServe("127.0.0.1:0"), ErrAlreadyListening)
	require.NoError(t, s.Shutdown(context.Background()))
	require.Empty(t, s.Addrs())
}

func TestARecordLimitCapsAddressAnswersOnEveryTransport(t *testing.T) {
	c := newTestCatalog(t)
	c.webCluster(10)
	cfg := testConfig()
	cfg.ARecordLimit = 4
	cfg.UDPAnswerLimit = -1
	s := New(cfg, c.source())
	listen(t, s)

	require.Len(t, exchange(t, s, "udp", "web.service.consul.", mdns.TypeA).Answer, 4)
	require.Len(t, exchange(t, s, "tcp", "web.service.consul.", mdns.TypeA).Answer, 4)
	require.Len(t, exchange(t, s, "tcp", "web.service.consul.", mdns.TypeSRV).Answer, 10, "SRV is not capped")
}

func TestSRVAdditionalSectionCarriesNodeMetaTXT(t *testing.T) {
	c := newTestCatalog(t)
	c.register(&catalog.RegisterRequest{Node: "n1", Address: "10.0.0.1", NodeMeta: map[string]string{"rack": "r7"}})
	c.instance("n1", &catalog.Service{ID: "db", Service: "db", Port: 5432}, catalog.HealthPassing)
	s := New(testConfig(), c.source())
	listen(t, s)

	resp := exchange(t, s, "udp", "db.service.consul.", mdns.TypeSRV)
	require.Equal(t, []string{"10.0.0.1", "rack=r7"}, answerStrings(resp.Extra))
	require.Equal(t, "n1.node.dc1.consul.", resp.Extra[1].Header().Name)

	cfg := testConfig()
	cfg.DisableNodeMetaTXT = true
	quiet := New(cfg, c.source())
	listen(t, quiet)
	require.Equal(t, []string{"10.0.0.1"}, answerStrings(exchange(t, quiet, "udp", "db.service.consul.", mdns.TypeSRV).Extra))
}
