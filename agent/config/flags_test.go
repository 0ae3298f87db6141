package config

import (
	"fmt"
	"net/netip"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestFlagsForEveryCommonKey sets each agent flag once and checks it lands
// on its key.
func TestFlagsForEveryCommonKey(t *testing.T) {
	opts := withFlags(t, "-data-dir=/var/cairn", "-datacenter=dc2", "-node=n1",
		"-node-id=613ccd6e-68d1-3bbd-6666-3cbc450f019d", "-bind=10.1.2.3", "-advertise=10.9.9.9",
		"-client=0.0.0.0", "-server", "-bootstrap-expect=5", "-encrypt="+testKey, "-ui",
		"-log-level=ERROR", "-log-json", "-log-file=/tmp/cairn.log", "-domain=example.",
		"-http-port=1", "-dns-port=2", "-serf-lan-port=3", "-serf-wan-port=4", "-server-port=5", "-grpc-port=6",
		"-retry-join=a.example", "-retry-join-wan=b.example:9", "-recursor=1.1.1.1", "-node-meta=rack:r1",
		"-node-meta=zone:z:1")
	c, err := Load(opts)
	require.NoError(t, err)
	require.Equal(t, "/var/cairn", c.DataDir)
	require.Equal(t, "dc2", c.Datacenter)
	require.Equal(t, "n1", c.NodeName)
	require.Equal(t, "613ccd6e-68d1-3bbd-6666-3cbc450f019d", c.NodeID)
	require.Equal(t, netip.MustParseAddr("10.1.2.3"), c.BindAddr)
	require.Equal(t, netip.MustParseAddr("10.9.9.9"), c.AdvertiseAddr)
	require.Equal(t, []netip.Addr{netip.IPv4Unspecified()}, c.ClientAddrs)
	require.True(t, c.Server)
	require.Equal(t, 5, c.BootstrapExpect)
	require.Equal(t, testKey, c.Encrypt.Reveal())
	require.True(t, c.UIEnabled)
	require.Equal(t, "error", c.LogLevel)
	require.True(t, c.LogJSON)
	require.Equal(t, "/tmp/cairn.log", c.LogFile)
	require.Equal(t, "example.", c.DNS.Domain)
	require.Equal(t, Ports{HTTP: 1, HTTPS: -1, DNS: 2, SerfLAN: 3, SerfWAN: 4, Server: 5, GRPC: 6, GRPCTLS: -1}, c.Ports)
	require.Equal(t, []HostPort{{"a.example", 3}}, c.RetryJoin)
	require.Equal(t, []HostPort{{"b.example", 9}}, c.RetryJoinWAN)
	require.Equal(t, []netip.AddrPort{netip.MustParseAddrPort("1.1.1.1:53")}, c.DNS.Recursors)
	require.Equal(t, map[string]string{"rack": "r1", "zone": "z:1"}, c.NodeMeta)

	require.NotContains(t, fmt.Sprintf("%v %+v %#v", opts, opts, opts), testKey, "the flag layer keeps the key as a Secret")
}

// TestBadEncryptFlagIsNotEchoed checks the flag path of the secret rule.
func TestBadEncryptFlagIsNotEchoed(t *testing.T) {
	_, err := Load(withFlags(t, "-dev", "-encrypt=c2VjcmV0LXZhbHVlLTE="))
	require.EqualError(t, err, "config: command-line flags: encrypt: must be the base64 encoding of a 16, 24 or 32-byte key (use `cairn keygen`)")
}

// TestLoadingTwiceGivesTheSameConfig checks that a reload with the same
// options sees the same configuration (Load does not consume its inputs).
func TestLoadingTwiceGivesTheSameConfig(t *testing.T) {
	dir := writeFiles(t, map[string]string{"a.json": `{"data_dir":"/d","retry_join":["10.0.0.1"],"services":[{"name":"w"}]}`})
	opts := withFlags(t, "-config-dir", dir, "-retry-join=10.0.0.2", "-node-meta=a:b")
	first, err := Load(opts)
	require.NoError(t, err)
	second, err := Load(opts)
	require.NoError(t, err)
	require.Equal(t, first.String(), second.String())
	require.Len(t, second.RetryJoin, 2)
}

// TestFirstErrorIsStable checks that with several bad keys the same one is
// always reported, whatever Go's map order.
func TestFirstErrorIsStable(t *testing.T) {
	doc := `{"data_dir":"/d","dns_config":{"service_ttl":{"b":"x","a":"y","c":"z"}},"node_meta":{"k":1,"j":2}}`
	for range 20 {
		_, err := parse(t, doc)
		require.EqualError(t, err, `config: test.json: dns_config.service_ttl.a: must be a duration such as "10s", got "y"`)
	}
}

// TestSingleServiceCheckErrorPath checks the key path of a check given as
// one object inside a single service.
func TestSingleServiceCheckErrorPath(t *testing.T) {
	_, err := parse(t, `{"data_dir":"/d","service":{"name":"w","check":{"tcp":"x:1"}}}`)
	require.EqualError(t, err, "config: test.json: service.check.interval: must be set for http, tcp, grpc and args checks")
	_, err = parse(t, `{"data_dir":"/d","service":{"name":"w","checks":[{"ttl":"1s","service_id":"other"}]}}`)
	require.EqualError(t, err, `config: test.json: service.checks: service_id "other" must be the enclosing service's id "w" or unset`)
}
