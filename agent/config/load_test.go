package config

import (
	"net/netip"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/zap/zapcore"
)

// TestDefaultsMatchConsul loads a minimal client config and checks the
// defaults of the keys the agent relies on.
func TestDefaultsMatchConsul(t *testing.T) {
	c, err := parse(t, `{"data_dir":"/d"}`)
	require.NoError(t, err)
	require.Equal(t, "dc1", c.Datacenter)
	require.Equal(t, "testhost", c.NodeName)
	require.Equal(t, "", c.NodeID)
	require.Equal(t, "info", c.LogLevel)
	require.Equal(t, []netip.Addr{netip.MustParseAddr("127.0.0.1")}, c.ClientAddrs)
	require.Equal(t, netip.IPv4Unspecified(), c.BindAddr)
	require.Equal(t, netip.MustParseAddr("10.1.2.3"), c.AdvertiseAddr)
	require.Equal(t, Ports{HTTP: 8500, HTTPS: -1, DNS: 8600, SerfLAN: 8301, SerfWAN: 8302, Server: 8300, GRPC: 8502, GRPCTLS: -1}, c.Ports)
	require.Equal(t, Limits{HTTPMaxConnsPerClient: 200, KVMaxValueSize: 524288, TxnMaxReqLen: 524288}, c.Limits)
	require.Equal(t, Performance{RaftMultiplier: 1, RPCHoldTimeout: 7 * time.Second, LeaveDrainTime: 5 * time.Second}, c.Performance)
	require.Equal(t, "allow", c.ACL.DefaultPolicy)
	require.Equal(t, "extend-cache", c.ACL.DownPolicy)
	require.Equal(t, "consul.", c.DNS.Domain)
	require.True(t, c.DNS.AllowStale)
	require.Equal(t, 30*time.Second, c.RetryInterval)
	require.Equal(t, 72*time.Hour, c.ReconnectTimeout)
	require.Equal(t, 10*time.Second, c.SessionTTLMin)
	require.Equal(t, 16384, c.RaftSnapshotThreshold)
	require.True(t, c.Autopilot.CleanupDeadServers)
	require.False(t, c.Server)
	require.False(t, c.UIEnabled)
	require.True(t, c.LeaveOnTerminate, "clients leave on SIGTERM")
	require.False(t, c.SkipLeaveOnInterrupt, "clients leave on SIGINT")
	require.Nil(t, c.GossipKey())
}

// TestFlagsOverrideFiles checks that command-line flags win over every file.
func TestFlagsOverrideFiles(t *testing.T) {
	dir := writeFiles(t, map[string]string{"a.json": `{
		"data_dir":"/d", "datacenter":"east", "log_level":"warn",
		"ports":{"http":9000,"dns":9600}, "retry_join":["10.0.0.1"]}`})
	opts := withFlags(t, "-config-dir", dir, "-datacenter=west", "--log-level=DEBUG",
		"-http-port=9100", "-retry-join=10.0.0.2:7301", "-server", "-bootstrap-expect=3",
		"-node-id=09D82408-BC4F-49E0-5555-61EF1D4842F7", "-client=127.0.0.1 10.1.2.3", "-ui")
	c, err := Load(opts)
	require.NoError(t, err)
	require.Equal(t, "west", c.Datacenter)
	require.Equal(t, "debug", c.LogLevel)
	require.Equal(t, 9100, c.Ports.HTTP)
	require.Equal(t, 9600, c.Ports.DNS, "a key no flag sets keeps the file's value")
	require.Equal(t, []HostPort{{"10.0.0.1", 8301}, {"10.0.0.2", 7301}}, c.RetryJoin)
	require.True(t, c.Server)
	require.Equal(t, 3, c.BootstrapExpect)
	require.Equal(t, "09d82408-bc4f-49e0-5555-61ef1d4842f7", c.NodeID)
	require.Equal(t, []netip.Addr{netip.MustParseAddr("127.0.0.1"), netip.MustParseAddr("10.1.2.3")}, c.ClientAddrs)
	require.True(t, c.UIEnabled)
}

// TestBadFlagValueNamesTheFlagLayerAndKey checks flag values go through the
// same rules as files.
func TestBadFlagValueNamesTheFlagLayerAndKey(t *testing.T) {
	_, err := Load(withFlags(t, "-data-dir=/d", "-http-port=eighty"))
	require.EqualError(t, err, "config: command-line flags: ports.http: must be an integer port 0-65535, got eighty")
}

// TestDevModeIsOneInMemoryServer checks -dev's defaults.
func TestDevModeIsOneInMemoryServer(t *testing.T) {
	c, err := Load(withFlags(t, "-dev"))
	require.NoError(t, err)
	loopback := netip.MustParseAddr("127.0.0.1")
	require.True(t, c.DevMode)
	require.True(t, c.Server)
	require.True(t, c.Bootstrap)
	require.Equal(t, 1, c.BootstrapExpect)
	require.Equal(t, "", c.DataDir)
	require.True(t, c.UIEnabled)
	require.Equal(t, loopback, c.BindAddr)
	require.Equal(t, loopback, c.AdvertiseAddr)
	require.Equal(t, []netip.Addr{loopback}, c.ClientAddrs)
	require.Equal(t, "testhost", c.NodeName)
}

// TestDevModeFilesStillOverride checks -dev is a starting point, not a lock.
func TestDevModeFilesStillOverride(t *testing.T) {
	dir := writeFiles(t, map[string]string{"a.json": `{"ui":false,"ports":{"http":18500}}`})
	c, err := Load(withFlags(t, "-dev", "-config-dir", dir))
	require.NoError(t, err)
	require.False(t, c.UIEnabled)
	require.Equal(t, 18500, c.Ports.HTTP)
}

// TestFilesMergeInLexicalOrder checks that later files win for scalars,
// lists and service definitions accumulate, and maps merge by key.
func TestFilesMergeInLexicalOrder(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"b.json":     `{"log_level":"error","retry_join":["10.0.0.2"],"node_meta":{"rack":"r2","os":"linux"},"services":[{"name":"db","port":5432}]}`,
		"a.json":     `{"data_dir":"/d","log_level":"debug","retry_join":["10.0.0.1"],"node_meta":{"rack":"r1"},"service":{"name":"web","port":80}}`,
		"c.txt":      `not json, ignored`,
		"README.md":  `ignored`,
		"d.json.bak": `ignored`,
	})
	opts := hostOptions()
	opts.ConfigPaths = []string{dir}
	c, err := Load(opts)
	require.NoError(t, err)
	require.Equal(t, "error", c.LogLevel)
	require.Equal(t, []HostPort{{"10.0.0.1", 8301}, {"10.0.0.2", 8301}}, c.RetryJoin)
	require.Equal(t, map[string]string{"rack": "r2", "os": "linux"}, c.NodeMeta)
	require.Len(t, c.Services, 2)
	require.Equal(t, "web", c.Services[0].ID)
	require.Equal(t, "db", c.Services[1].ID)
}

// TestConfigFileAndDirLoadInTheOrderGiven checks that -config-file and
// -config-dir share one ordered list of sources.
func TestConfigFileAndDirLoadInTheOrderGiven(t *testing.T) {
	dir := writeFiles(t, map[string]string{"x.json": `{"data_dir":"/d","datacenter":"from-dir"}`})
	file := filepath.Join(writeFiles(t, map[string]string{"f.json": `{"datacenter":"from-file"}`}), "f.json")

	c, err := Load(withFlags(t, "-config-dir", dir, "-config-file", file))
	require.NoError(t, err)
	require.Equal(t, "from-file", c.Datacenter)

	c, err = Load(withFlags(t, "-config-file", file, "-config-dir", dir))
	require.NoError(t, err)
	require.Equal(t, "from-dir", c.Datacenter)
}

// TestJoinDefaultPortIsTheSerfLANPort checks join entries without a port.
func TestJoinDefaultPortIsTheSerfLANPort(t *testing.T) {
	c, err := parse(t, `{"data_dir":"/d","ports":{"serf_lan":7301},
		"retry_join":["10.0.0.1","node.example.com","[fe80::1]","[::1]:9301"],"start_join":["10.0.0.9"],
		"retry_join_wan":["10.9.9.9"]}`)
	require.NoError(t, err)
	require.Equal(t, []HostPort{{"10.0.0.1", 7301}, {"node.example.com", 7301}, {"fe80::1", 7301}, {"::1", 9301}, {"10.0.0.9", 7301}}, c.RetryJoin)
	require.Equal(t, "[::1]:9301", c.RetryJoin[3].String())
	require.Equal(t, []HostPort{{"10.9.9.9", 8302}}, c.RetryJoinWAN)
}

// TestAdvertiseDiscovery checks how bind_addr 0.0.0.0 picks the address to
// advertise, with the host's interfaces faked.
func TestAdvertiseDiscovery(t *testing.T) {
	cases := []struct {
		name    string
		addrs   []string
		want    string
		wantErr string
	}{
		{"one private address", []string{"127.0.0.1", "192.168.1.5", "fe80::1"}, "192.168.1.5", ""},
		{"only loopback", []string{"127.0.0.1", "169.254.1.1"}, "", "config: bind_addr: no private IPv4 address found; set advertise_addr"},
		{"two addresses", []string{"10.0.0.1", "10.0.0.2"}, "", "config: bind_addr: multiple private IPv4 addresses found; set advertise_addr"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			opts := hostOptions()
			opts.InterfaceAddrs = func() ([]netip.Addr, error) {
				var out []netip.Addr
				for _, a := range tc.addrs {
					out = append(out, netip.MustParseAddr(a))
				}
				return out, nil
			}
			c, err := Parse("test.json", []byte(`{"data_dir":"/d"}`), opts)
			if tc.wantErr != "" {
				require.EqualError(t, err, tc.wantErr)
				return
			}
			require.NoError(t, err)
			require.Equal(t, netip.MustParseAddr(tc.want), c.AdvertiseAddr)
			require.Equal(t, netip.MustParseAddr(tc.want), c.AdvertiseAddrWAN)
		})
	}
	c, err := parse(t, `{"data_dir":"/d","advertise_addr":"10.0.0.7"}`)
	require.NoError(t, err)
	require.Equal(t, netip.MustParseAddr("10.0.0.7"), c.AdvertiseAddr, "an explicit advertise_addr needs no discovery")
}

// TestPortsZeroAndDisabled checks that 0 (pick a free port) and -1
// (disabled) are accepted and exempt from the distinctness check.
func TestPortsZeroAndDisabled(t *testing.T) {
	c, err := parse(t, `{"data_dir":"/d","ports":{"http":0,"dns":-1,"serf_lan":0,"server":0,"grpc":-1,"serf_wan":-1}}`)
	require.NoError(t, err)
	require.Equal(t, Ports{HTTP: 0, HTTPS: -1, DNS: -1, SerfLAN: 0, SerfWAN: -1, Server: 0, GRPC: -1, GRPCTLS: -1}, c.Ports)
}

// TestServicesAndChecks checks definitions, their defaults and both the
// single and the list forms.
func TestServicesAndChecks(t *testing.T) {
	c, err := parse(t, `{"data_dir":"/d",
		"service":{"name":"web","tags":["v1"],"port":80,"meta":{"team":"a"},"weights":{"passing":10,"warning":1},
			"token":"tok","checks":[
				{"http":"http://localhost/health","method":"GET","header":{"X-A":["1"]},"interval":"10s","timeout":"1s"},
				{"tcp":"localhost:80","interval":5000000000,"deregister_critical_service_after":"90m"}]},
		"checks":[{"id":"mem","name":"memory","args":["/bin/check-mem"],"interval":"30s","service_id":"web"},
			{"name":"beat","ttl":"30s","status":"passing","notes":"heartbeat"}],
		"watches":[{"type":"key","key":"a","args":["/bin/h"],"token":"w"}],
		"enable_local_script_checks":true}`)
	require.NoError(t, err)
	require.Len(t, c.Services, 1)
	s := c.Services[0]
	require.Equal(t, "web", s.ID)
	require.Equal(t, Weights{Passing: 10, Warning: 1}, s.Weights)
	require.Equal(t, "tok", s.Token.Reveal())
	require.Len(t, s.Checks, 2)
	require.Equal(t, "service:web:1", s.Checks[0].ID)
	require.Equal(t, "web", s.Checks[0].ServiceID)
	require.Equal(t, "Service 'web' check", s.Checks[0].Name)
	require.Equal(t, map[string][]string{"X-A": {"1"}}, s.Checks[0].Header)
	require.Equal(t, 5*time.Second, s.Checks[1].Interval, "a plain number is nanoseconds, as in Consul's check definitions")
	require.Equal(t, 90*time.Minute, s.Checks[1].DeregisterCriticalServiceAfter)
	require.Equal(t, "mem", c.Checks[0].ID)
	require.Equal(t, []string{"/bin/check-mem"}, c.Checks[0].Args)
	require.Equal(t, "beat", c.Checks[1].ID)
	require.Equal(t, 30*time.Second, c.Checks[1].TTL)
	require.Len(t, c.Watches, 1)
	require.True(t, c.EnableLocalScriptChecks)
}

// TestAliasesAndNormalisation checks legacy key names and value spellings.
func TestAliasesAndNormalisation(t *testing.T) {
	c, err := parse(t, `{"data_dir":"/d","datacenter":"EU-West","log_level":"WARNING","domain":"cairn",
		"acl":{"tokens":{"agent_master":"r","initial_management":"m"}},
		"ui_config":{"enabled":true,"content_path":"dash"},"performance":{"raft_multiplier":5},
		"recursors":["8.8.8.8","[2001:db8::1]:5353"],"dns_config":{"service_ttl":{"*":"5s","web":"30s"},"node_ttl":"10s"}}`)
	require.NoError(t, err)
	require.Equal(t, "eu-west", c.Datacenter)
	require.Equal(t, "warn", c.LogLevel)
	require.Equal(t, "cairn.", c.DNS.Domain)
	require.Equal(t, "r", c.ACL.Tokens.AgentRecovery.Reveal())
	require.Equal(t, "m", c.ACL.Tokens.InitialManagement.Reveal())
	require.True(t, c.UIEnabled)
	require.Equal(t, "/dash/", c.UIContentPath)
	require.Equal(t, 5, c.Performance.RaftMultiplier)
	require.Equal(t, []netip.AddrPort{netip.MustParseAddrPort("8.8.8.8:53"), netip.MustParseAddrPort("[2001:db8::1]:5353")}, c.DNS.Recursors)
	require.Equal(t, map[string]time.Duration{"*": 5 * time.Second, "web": 30 * time.Second}, c.DNS.ServiceTTL)
}

// TestBootstrapExpectOneMeansBootstrap checks the two spellings of a
// single self-electing server end up the same.
func TestBootstrapExpectOneMeansBootstrap(t *testing.T) {
	for _, doc := range []string{
		`{"data_dir":"/d","server":true,"bootstrap_expect":1}`,
		`{"data_dir":"/d","server":true,"bootstrap":true}`,
	} {
		c, err := parse(t, doc)
		require.NoError(t, err)
		require.True(t, c.Bootstrap)
		require.Equal(t, 1, c.BootstrapExpect)
	}
}

// TestServiceWeightsDefaultPerField checks that giving one weight keeps
// the other's default.
func TestServiceWeightsDefaultPerField(t *testing.T) {
	c, err := parse(t, `{"data_dir":"/d","services":[{"name":"a"},{"name":"b","weights":{"warning":0}}]}`)
	require.NoError(t, err)
	require.Equal(t, Weights{Passing: 1, Warning: 1}, c.Services[0].Weights)
	require.Equal(t, Weights{Passing: 1, Warning: 0}, c.Services[1].Weights)
}

// TestZapLevelFollowsLogLevel checks the mapping to zap's levels.
func TestZapLevelFollowsLogLevel(t *testing.T) {
	for level, want := range map[string]zapcore.Level{
		"TRACE": zapcore.DebugLevel, "debug": zapcore.DebugLevel, "INFO": zapcore.InfoLevel,
		"warn": zapcore.WarnLevel, "Warning": zapcore.WarnLevel, "err": zapcore.ErrorLevel, "error": zapcore.ErrorLevel,
	} {
		c, err := parse(t, `{"data_dir":"/d","log_level":"`+level+`"}`)
		require.NoError(t, err)
		require.Equal(t, want, c.ZapLevel(), level)
	}
}
