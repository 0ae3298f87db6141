package config

import (
	"net/netip"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestSeedConfigsLoadWithTheirLiteralValues loads the three server configs
// of the walkthrough exactly as written, through the -config-dir path.
func TestSeedConfigsLoadWithTheirLiteralValues(t *testing.T) {
	cases := []struct {
		dir    string
		nodeID string
		base   int // port offset: 0, 20000, 30000
		token  string
	}{
		{"server1", "09d82408-bc4f-49e0-5555-61ef1d4842f7", 0, ""},
		{"server2", "613ccd6e-68d1-3bbd-6666-3cbc450f019d", 20000, ""},
		{"server3", "d8a09ffd-7ccb-84bd-7777-8d8b7a01951e", 30000, "8f4b7f3c-2d1e-4a5b-9c6d-0e1f2a3b4c5d"},
	}
	for _, tc := range cases {
		t.Run(tc.dir, func(t *testing.T) {
			opts := hostOptions()
			opts.ConfigPaths = []string{filepath.Join("testdata", "seed", tc.dir)}
			c, err := Load(opts)
			require.NoError(t, err)

			require.Equal(t, "prometheus", c.Datacenter)
			require.Equal(t, "prometheus", c.PrimaryDatacenter)
			require.Equal(t, "info", c.LogLevel)
			require.Equal(t, tc.nodeID, c.NodeID)
			require.Equal(t, tc.dir, c.NodeName)
			require.Equal(t, "/data/consul/"+tc.dir+"/data", c.DataDir)
			require.True(t, c.Server)
			require.Equal(t, 3, c.BootstrapExpect)
			require.False(t, c.Bootstrap)
			require.Len(t, c.GossipKey(), 32)
			require.True(t, c.UIEnabled)

			seedHost := netip.MustParseAddr("172.26.42.229")
			require.Equal(t, seedHost, c.BindAddr)
			require.Equal(t, seedHost, c.AdvertiseAddr)
			require.Equal(t, []netip.Addr{netip.IPv4Unspecified()}, c.ClientAddrs)
			require.Equal(t, []HostPort{
				{"172.26.42.229", 8301}, {"172.26.42.229", 28301}, {"172.26.42.229", 38301},
			}, c.RetryJoin)

			b := tc.base
			if b == 0 {
				require.Equal(t, Ports{HTTP: 8500, HTTPS: -1, DNS: 8600, SerfLAN: 8301, SerfWAN: 8302, Server: 8300, GRPC: 8400, GRPCTLS: -1}, c.Ports)
			} else {
				require.Equal(t, Ports{HTTP: b + 8500, HTTPS: -1, DNS: b + 8600, SerfLAN: b + 8301, SerfWAN: b + 8302, Server: b + 8300, GRPC: b + 8400, GRPCTLS: -1}, c.Ports)
			}

			require.True(t, c.ACL.Enabled)
			require.Equal(t, "deny", c.ACL.DefaultPolicy)
			require.Equal(t, "extend-cache", c.ACL.DownPolicy)
			require.Equal(t, tc.token, c.ACL.Tokens.InitialManagement.Reveal())
			require.Equal(t, tc.token, c.ACL.Tokens.Agent.Reveal())

			// Servers keep their defaults for the role-dependent keys.
			require.False(t, c.LeaveOnTerminate)
			require.True(t, c.SkipLeaveOnInterrupt)
			require.Equal(t, 7*time.Second, c.Performance.RPCHoldTimeout)
			require.Equal(t, 1, c.Performance.RaftMultiplier)
		})
	}
}
