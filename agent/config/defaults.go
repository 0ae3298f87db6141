package config

import (
	"net/netip"
	"time"
)

// Default ports, as Consul's.
const (
	DefaultHTTPPort    = 8500
	DefaultDNSPort     = 8600
	DefaultSerfLANPort = 8301
	DefaultSerfWANPort = 8302
	DefaultServerPort  = 8300
	DefaultGRPCPort    = 8502
)

// defaults returns the configuration before any source is applied.
func defaults() Config {
	return Config{
		Datacenter:  "dc1",
		BindAddr:    netip.IPv4Unspecified(),
		ClientAddrs: []netip.Addr{netip.AddrFrom4([4]byte{127, 0, 0, 1})},
		Ports: Ports{
			HTTP:    DefaultHTTPPort,
			HTTPS:   -1,
			DNS:     DefaultDNSPort,
			SerfLAN: DefaultSerfLANPort,
			SerfWAN: DefaultSerfWANPort,
			Server:  DefaultServerPort,
			GRPC:    DefaultGRPCPort,
			GRPCTLS: -1,
		},
		RetryInterval:    30 * time.Second,
		ReconnectTimeout: 72 * time.Hour,
		LogLevel:         "info",
		UIContentPath:    "/ui/",
		Limits: Limits{
			HTTPMaxConnsPerClient: 200,
			KVMaxValueSize:        512 * 1024,
			TxnMaxReqLen:          512 * 1024,
		},
		Performance: Performance{
			RPCHoldTimeout: 7 * time.Second,
			LeaveDrainTime: 5 * time.Second,
		},
		ACL: ACL{DefaultPolicy: "allow", DownPolicy: "extend-cache", TokenTTL: 30 * time.Second, PolicyTTL: 30 * time.Second},
		DNS: DNS{
			Domain:     "consul.",
			AllowStale: true,
			MaxStale:   87600 * time.Hour,
		},
		Telemetry: Telemetry{MetricsPrefix: "consul"},
		Autopilot: Autopilot{
			CleanupDeadServers:      true,
			LastContactThreshold:    200 * time.Millisecond,
			MaxTrailingLogs:         250,
			ServerStabilizationTime: 10 * time.Second,
		},
		SessionTTLMin:         10 * time.Second,
		CheckUpdateInterval:   5 * time.Minute,
		RaftSnapshotThreshold: 16384,
		RaftSnapshotInterval:  30 * time.Second,
		RaftTrailingLogs:      10000,
	}
}

// applyDev turns the defaults into -dev's: one in-memory server that
// bootstraps itself, with the UI and the profiling endpoints on, reachable
// only from this host. Config files and flags still override it.
func applyDev(c *Config) {
	loopback := netip.AddrFrom4([4]byte{127, 0, 0, 1})
	c.DevMode = true
	c.Server = true
	c.UIEnabled = true
	c.EnableDebug = true
	c.BindAddr = loopback
	c.ClientAddrs = []netip.Addr{loopback}
}
