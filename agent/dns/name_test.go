package dns

import (
	"net/netip"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestParseNameReadsEveryForm(t *testing.T) {
	for _, tc := range []struct {
		qname string
		want  lookup
	}{
		{"consul.", lookup{kind: kindApex}},
		{"n1.node.consul.", lookup{kind: kindNode, name: "n1"}},
		{"N1.node.DC2.consul.", lookup{kind: kindNode, name: "N1", dc: "dc2"}},
		{"n1.node.dc2.dc.consul.", lookup{kind: kindNode, name: "n1", dc: "dc2"}},
		{"web.service.consul.", lookup{kind: kindService, name: "web"}},
		{"v1.web.service.consul.", lookup{kind: kindService, name: "web", tag: "v1"}},
		{"v1.web.service.dc2.consul.", lookup{kind: kindService, name: "web", tag: "v1", dc: "dc2"}},
		{"_web._tcp.service.consul.", lookup{kind: kindService, name: "web"}},
		{"_web._v1.service.consul.", lookup{kind: kindService, name: "web", tag: "v1"}},
		{"_web._tcp.consul.", lookup{kind: kindService, name: "web"}},
		{"_web._tcp.dc2.consul.", lookup{kind: kindService, name: "web", dc: "dc2"}},
		{"0a000001.addr.consul.", lookup{kind: kindAddr, addr: netip.MustParseAddr("10.0.0.1")}},
		{"fd000000000000000000000000000001.addr.dc1.consul.", lookup{kind: kindAddr, dc: "dc1", addr: netip.MustParseAddr("fd00::1")}},
		{"geo-db.query.consul.", lookup{kind: kindQuery, name: "geo-db"}},
		{"geo-db.query.dc2.consul.", lookup{kind: kindQuery, name: "geo-db", dc: "dc2"}},
		{"_geo-db._v1.query.consul.", lookup{kind: kindQuery, name: "geo-db", tag: "v1"}},
		{"_geo-db._tcp.query.consul.", lookup{kind: kindQuery, name: "geo-db"}},
		{"a.b.query.consul.", lookup{kind: kindInvalid}},
		{"a.b.c.service.consul.", lookup{kind: kindInvalid}},
		{"a.b.node.consul.", lookup{kind: kindInvalid}},
		{"xyz.addr.consul.", lookup{kind: kindInvalid}},
		{"web.consul.", lookup{kind: kindInvalid}},
		{"service.consul.", lookup{kind: kindInvalid}},
	} {
		tc.want.domain = "consul."
		require.Equal(t, tc.want, parseName(tc.qname, "consul."), tc.qname)
	}
}

func TestHexAddrRoundTrips(t *testing.T) {
	for _, s := range []string{"10.0.0.1", "255.255.255.255", "fd00::1", "2001:db8::ff00:42:8329"} {
		a := netip.MustParseAddr(s)
		got, ok := decodeHexAddr([]string{encodeHexAddr(a)})
		require.True(t, ok, s)
		require.Equal(t, a, got, s)
	}
}

func TestParseReverseReadsBothFamilies(t *testing.T) {
	a, ok := parseReverse("4.3.2.1.in-addr.arpa.")
	require.True(t, ok)
	require.Equal(t, netip.MustParseAddr("1.2.3.4"), a)
	a, ok = parseReverse("1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.d.f.ip6.arpa.")
	require.True(t, ok)
	require.Equal(t, netip.MustParseAddr("fd00::1"), a)
	for _, bad := range []string{"3.2.1.in-addr.arpa.", "256.3.2.1.in-addr.arpa.", "x.ip6.arpa.", "1.2.3.4.example."} {
		_, ok := parseReverse(bad)
		require.False(t, ok, bad)
	}
}

func TestServiceTTLPrefersExactThenLongestPrefix(t *testing.T) {
	cfg := Config{ServiceTTL: map[string]time.Duration{"*": time.Second, "web*": 2 * time.Second, "web-api*": 3 * time.Second, "web": 4 * time.Second}}
	require.Equal(t, uint32(4), cfg.serviceTTL("web"))
	require.Equal(t, uint32(3), cfg.serviceTTL("web-api-v2"))
	require.Equal(t, uint32(2), cfg.serviceTTL("webby"))
	require.Equal(t, uint32(1), cfg.serviceTTL("db"))
	require.Equal(t, uint32(0), (&Config{}).serviceTTL("db"))
}
