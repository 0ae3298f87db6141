package dns

import (
	"math/rand/v2"
	"strings"
	"time"

	mdns "github.com/miekg/dns"
	"go.uber.org/zap"
)

// Defaults of Consul's dns_config that cairn keeps.
const (
	// DefaultDomain is the domain served when Config.Domain is empty.
	DefaultDomain = "consul."
	// DefaultUDPAnswerLimit is how many answer records a UDP response
	// carries at most when Config.UDPAnswerLimit is zero.
	DefaultUDPAnswerLimit = 3
	// DefaultRecursorTimeout bounds one exchange with one recursor.
	DefaultRecursorTimeout = 2 * time.Second
)

// SOAConfig holds the timers of the SOA record that goes into the
// authority section of negative answers. Zero fields take Consul's
// defaults, except MinTTL, whose default is 0 (negative answers are not
// cached).
type SOAConfig struct {
	RefreshSeconds uint32
	RetrySeconds   uint32
	ExpireSeconds  uint32
	MinTTLSeconds  uint32
}

// Config configures a Server. The zero value serves "consul." for
// datacenter "" with Consul's defaults.
type Config struct {
	// Domain is the served domain ("consul." by default); AltDomain an
	// optional second one answering the same names.
	Domain    string
	AltDomain string
	// Datacenter is the local datacenter; a name that names it (or no
	// datacenter) is answered from the Source.
	Datacenter string
	// NodeTTL is the TTL of node records (Consul's node_ttl, default 0).
	NodeTTL time.Duration
	// ServiceTTL maps a service name to the TTL of its records (Consul's
	// service_ttl): an exact name wins over the longest "prefix*" entry,
	// which wins over "*"; no entry means 0.
	ServiceTTL map[string]time.Duration
	// OnlyPassing drops instances with a warning check too; critical
	// instances are always dropped.
	OnlyPassing bool
	// UDPAnswerLimit caps the answer records of a UDP response (0 means
	// DefaultUDPAnswerLimit, a negative value means no cap).
	UDPAnswerLimit int
	// ARecordLimit caps the A/AAAA answers of a service lookup on every
	// transport, after the shuffle (Consul's a_record_limit; 0 means no
	// cap). SRV answers are not capped by it.
	ARecordLimit int
	// DisableNodeMetaTXT leaves out the TXT records of node metadata that
	// SRV answers otherwise add to the additional section beside a node
	// target's address (Consul's enable_additional_node_meta_txt = false).
	DisableNodeMetaTXT bool
	// EnableTruncate sets the TC bit on a UDP response that was cut, so
	// that clients retry over TCP.
	EnableTruncate bool
	// Recursors are "host:port" (or "host", port 53) resolvers asked, in
	// order, for names outside the domains. Without them such names are
	// REFUSED.
	Recursors []string
	// RecursorTimeout bounds each recursor exchange (default 2s).
	RecursorTimeout time.Duration
	// SOA holds the SOA timers.
	SOA SOAConfig
	// Remote returns the Source of another datacenter (typically stale
	// reads relayed to a server of that datacenter across the WAN); the
	// answer is built here from what it returns, with this Config. A
	// Source whose datacenter has no path fails with ErrUnknownDatacenter.
	// When Remote is nil such names are NXDOMAIN, as Consul answers a
	// datacenter it has no path to.
	Remote func(dc string) Source
	// Allow is the ACL hook: it reports whether the agent's default token
	// may read the node or service (kind "node" or "service") of that
	// name. Nil allows everything.
	Allow func(kind, name string) bool
	// Rand shuffles answers; nil draws a seed from the runtime. Tests pass
	// a seeded source. The Server serialises its use.
	Rand *rand.Rand
	// Logger receives the server's logs; nil logs nothing.
	Logger *zap.Logger
}

// ACL kinds passed to Config.Allow.
const (
	KindNode    = "node"
	KindService = "service"
)

// withDefaults returns cfg with its zero fields filled in.
func (cfg Config) withDefaults() Config {
	if cfg.Domain == "" {
		cfg.Domain = DefaultDomain
	}
	cfg.Domain = strings.ToLower(mdns.Fqdn(cfg.Domain))
	if cfg.AltDomain != "" {
		cfg.AltDomain = strings.ToLower(mdns.Fqdn(cfg.AltDomain))
	}
	if cfg.UDPAnswerLimit == 0 {
		cfg.UDPAnswerLimit = DefaultUDPAnswerLimit
	}
	if cfg.RecursorTimeout <= 0 {
		cfg.RecursorTimeout = DefaultRecursorTimeout
	}
	if cfg.SOA.RefreshSeconds == 0 {
		cfg.SOA.RefreshSeconds = 3600
	}
	if cfg.SOA.RetrySeconds == 0 {
		cfg.SOA.RetrySeconds = 600
	}
	if cfg.SOA.ExpireSeconds == 0 {
		cfg.SOA.ExpireSeconds = 86400
	}
	if cfg.Rand == nil {
		cfg.Rand = rand.New(rand.NewPCG(rand.Uint64(), rand.Uint64()))
	}
	if cfg.Logger == nil {
		cfg.Logger = zap.NewNop()
	}
	return cfg
}

// serviceTTL returns the TTL in seconds for records of service name.
func (cfg *Config) serviceTTL(name string) uint32 {
	if d, ok := cfg.ServiceTTL[name]; ok {
		return seconds(d)
	}
	best, found := -1, time.Duration(0)
	for k, d := range cfg.ServiceTTL {
		prefix, ok := strings.CutSuffix(k, "*")
		if ok && strings.HasPrefix(name, prefix) && len(prefix) > best {
			best, found = len(prefix), d
		}
	}
	return seconds(found)
}

// allow applies the ACL hook.
func (cfg *Config) allow(kind, name string) bool {
	return cfg.Allow == nil || cfg.Allow(kind, name)
}

func seconds(d time.Duration) uint32 {
	if d <= 0 {
		return 0
	}
	return uint32(min(d/time.Second, 1<<31-1))
}
