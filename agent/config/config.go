package config

import (
	"net"
	"net/netip"
	"strconv"
	"time"

	"github.com/cairn-sd/cairn/internal/tlsutil"
)

// Config is the runtime configuration of one agent: every key resolved to a
// Go value, defaults filled in, derived values computed and the whole checked
// for consistency. A Config is built only by [Load] or [Parse]; the agent
// treats it as read-only.
type Config struct {
	// Datacenter is the datacenter this agent belongs to, lower-case.
	Datacenter string
	// PrimaryDatacenter is the datacenter authoritative for ACLs; it
	// defaults to Datacenter.
	PrimaryDatacenter string
	// NodeName names this node in the catalog; it defaults to the host name.
	NodeName string
	// NodeID is the node's UUID-shaped identifier in lower case, or "" when
	// the agent should generate one and persist it in DataDir.
	NodeID string
	// NodeMeta holds free-form key/value metadata of the node.
	NodeMeta map[string]string
	// TaggedAddresses holds extra named addresses of the node ("lan", "wan").
	TaggedAddresses map[string]string

	// BindAddr is the address gossip and server RPC listen on.
	BindAddr netip.Addr
	// AdvertiseAddr is the address other members reach this agent at. It
	// defaults to BindAddr, or to the host's single IPv4 address when
	// BindAddr is unspecified (0.0.0.0).
	AdvertiseAddr netip.Addr
	// AdvertiseAddrWAN is the address advertised to the WAN pool; it
	// defaults to AdvertiseAddr.
	AdvertiseAddrWAN netip.Addr
	// ClientAddrs are the addresses the HTTP and DNS interfaces listen on.
	ClientAddrs []netip.Addr
	// Ports holds the listening ports.
	Ports Ports

	// DataDir holds Raft state, the keyring and the persisted node ID.
	// It is empty only in dev mode.
	DataDir string
	// DevMode runs one in-memory server for development.
	DevMode bool
	// Server makes this agent a Raft voter and a member of the WAN pool.
	Server bool
	// BootstrapExpect is the number of servers to wait for before the first
	// election. The legacy "bootstrap" key is the same as 1.
	BootstrapExpect int
	// Bootstrap is true when this server elects itself alone
	// (BootstrapExpect is then 1).
	Bootstrap bool

	// RetryJoin lists LAN members to join at start, retried until one answers.
	RetryJoin []HostPort
	// RetryJoinWAN lists WAN members (servers of other datacenters) to join.
	RetryJoinWAN []HostPort
	// RetryInterval is the pause between join attempts.
	RetryInterval time.Duration
	// RetryMax bounds the join attempts; 0 retries forever.
	RetryMax int
	// RejoinAfterLeave lets an agent that left gracefully rejoin at start.
	RejoinAfterLeave bool
	// ReconnectTimeout is how long a failed member is kept before it is reaped.
	ReconnectTimeout time.Duration

	// Encrypt is the gossip encryption key, base64 of 16, 24 or 32 bytes,
	// or empty for no encryption. [Config.GossipKey] decodes it.
	Encrypt Secret

	// LogLevel is one of trace, debug, info, warn, error.
	LogLevel string
	// LogJSON writes logs as JSON lines.
	LogJSON bool
	// LogFile, when set, is a file logs are also written to.
	LogFile string

	// UIEnabled serves the web UI under UIContentPath.
	UIEnabled bool
	// EnableDebug serves Go's profiles under /debug/pprof/ (operator:read
	// when ACLs are on), as Consul's enable_debug does.
	EnableDebug bool
	// UIContentPath is the HTTP path the UI is served at.
	UIContentPath string

	// Limits caps request sizes and connection counts.
	Limits Limits
	// Performance tunes Raft timing and retries.
	Performance Performance
	// LeaveOnTerminate makes SIGTERM a graceful leave (default: clients yes,
	// servers no).
	LeaveOnTerminate bool
	// SkipLeaveOnInterrupt makes SIGINT exit without leaving (default:
	// servers yes, clients no).
	SkipLeaveOnInterrupt bool

	// ACL holds the access-control settings.
	ACL ACL
	// DNS holds the DNS interface settings.
	DNS DNS
	// Telemetry holds the metrics settings.
	Telemetry Telemetry
	// Autopilot holds the server-health automation settings.
	Autopilot Autopilot
	// TLS holds the HTTPS and server-port TLS settings, merged (tls.go).
	TLS tlsutil.Config

	// SessionTTLMin is the smallest TTL a session may ask for.
	SessionTTLMin time.Duration
	// CheckUpdateInterval defers syncing unchanged-status check output.
	CheckUpdateInterval time.Duration
	// EnableScriptChecks allows script checks from any source.
	EnableScriptChecks bool
	// EnableLocalScriptChecks allows script checks from config files only.
	EnableLocalScriptChecks bool

	// RaftSnapshotThreshold is the number of new entries that triggers a snapshot.
	RaftSnapshotThreshold int
	// RaftSnapshotInterval is how often the snapshot threshold is checked.
	RaftSnapshotInterval time.Duration
	// RaftTrailingLogs is how many entries are kept behind a snapshot.
	RaftTrailingLogs int
	// DisableUpdateCheck is accepted for compatibility; cairn never phones home.
	DisableUpdateCheck bool

	// Services are the service definitions of all config files, in load order.
	Services []ServiceDefinition
	// Checks are the node-level and service-bound check definitions, in load order.
	Checks []CheckDefinition
	// Watches are kept as decoded JSON objects for the watch subsystem.
	Watches []Watch
}

// Ports holds the agent's listening ports. A port of 0 asks the system for a
// free one; -1 disables the listener where that is allowed.
type Ports struct {
	HTTP    int
	HTTPS   int
	DNS     int
	SerfLAN int
	SerfWAN int
	Server  int
	GRPC    int
	GRPCTLS int
}

// Limits caps what clients may send.
type Limits struct {
	HTTPMaxConnsPerClient int
	KVMaxValueSize        int
	TxnMaxReqLen          int
}

// Performance tunes timing.
type Performance struct {
	// RaftMultiplier scales Raft's timeouts, 1 (fastest) to 10.
	RaftMultiplier int
	// RPCHoldTimeout is how long an RPC is retried during an election.
	RPCHoldTimeout time.Duration
	// LeaveDrainTime is how long a leaving server keeps answering RPCs.
	LeaveDrainTime time.Duration
}

// ACL holds the access-control settings.
type ACL struct {
	Enabled                bool
	DefaultPolicy          string // "allow" or "deny"
	DownPolicy             string // "allow", "deny", "extend-cache" or "async-cache"
	EnableTokenPersistence bool
	// EnableTokenReplication makes a secondary datacenter replicate the
	// primary's global tokens besides its policies.
	EnableTokenReplication bool
	// TokenTTL and PolicyTTL are how long an agent trusts a resolved
	// token and policy (Consul's default is 30s).
	TokenTTL  time.Duration
	PolicyTTL time.Duration
	Tokens    ACLTokens
}

// ACLTokens are the well-known tokens an agent is configured with.
type ACLTokens struct {
	// InitialManagement (legacy key "master") is created by a new leader
	// as a management token if it does not exist.
	InitialManagement Secret
	// Agent is the agent's own token for registration and anti-entropy.
	Agent Secret
	// Default is used for requests that carry no token, DNS included.
	Default Secret
	// AgentRecovery (legacy key "agent_master") grants local agent access
	// when the servers cannot be reached.
	AgentRecovery Secret
	// Replication is used by secondary datacenters to replicate ACLs.
	Replication Secret
}

// DNS holds the DNS interface settings.
type DNS struct {
	// Domain is the served domain, with a trailing dot ("consul.").
	Domain string
	// Recursors answer queries outside Domain.
	Recursors []netip.AddrPort
	// NodeTTL is the TTL of node answers.
	NodeTTL time.Duration
	// ServiceTTL maps a service name, or a prefix ending in "*", to a TTL.
	ServiceTTL map[string]time.Duration
	// OnlyPassing drops instances with warning checks, not just critical ones.
	OnlyPassing bool
	// AllowStale lets any server answer.
	AllowStale bool
	// MaxStale bounds how stale an answer may be.
	MaxStale time.Duration
}

// Telemetry holds the metrics settings.
type Telemetry struct {
	// PrometheusRetentionTime > 0 enables the Prometheus format.
	PrometheusRetentionTime time.Duration
	DisableHostname         bool
	MetricsPrefix           string
}

// Autopilot holds the server-health automation settings.
type Autopilot struct {
	CleanupDeadServers      bool
	LastContactThreshold    time.Duration
	MaxTrailingLogs         int
	ServerStabilizationTime time.Duration
	// MinQuorum is the number of servers dead-server cleanup never goes
	// below (0: no floor beyond a quorum of the live voters).
	MinQuorum int
}

// ServiceDefinition is a service registered from a config file.
type ServiceDefinition struct {
	ID                string // defaults to Name
	Name              string
	Tags              []string
	Address           string
	Port              int
	Meta              map[string]string
	EnableTagOverride bool
	Weights           Weights
	Token             Secret
	Checks            []CheckDefinition
}

// Weights are the DNS SRV weights of a service instance by health.
type Weights struct {
	Passing int
	Warning int
}

// CheckDefinition is a health check registered from a config file. Exactly
// one of HTTP, TCP, GRPC, TTL and Args is set.
type CheckDefinition struct {
	ID                             string // defaults to Name, or "service:<id>" inside a service
	Name                           string
	ServiceID                      string
	HTTP                           string
	Method                         string
	Header                         map[string][]string
	TCP                            string
	GRPC                           string
	TTL                            time.Duration
	Args                           []string
	Interval                       time.Duration
	Timeout                        time.Duration
	DeregisterCriticalServiceAfter time.Duration
	Status                         string // initial status: "", passing, warning or critical
	Notes                          string
	Token                          Secret
}

// HostPort is a join address: a host name or IP address and a port.
type HostPort struct {
	Host string
	Port int
}

// String renders h as "host:port", bracketing IPv6 addresses.
func (h HostPort) String() string {
	return net.JoinHostPort(h.Host, strconv.Itoa(h.Port))
}
