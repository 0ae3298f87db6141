package runtime

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/cairn-sd/cairn/agent/checks"
	"github.com/cairn-sd/cairn/agent/config"
	"github.com/cairn-sd/cairn/agent/core"
	"github.com/cairn-sd/cairn/agent/dns"
	"github.com/cairn-sd/cairn/catalog"
	"github.com/cairn-sd/cairn/internal/osenv"
	"github.com/cairn-sd/cairn/internal/tlsutil"
	"github.com/cairn-sd/cairn/raft"
)

// BoundAddressesFile is the file in data_dir naming the addresses the agent
// bound, so that tests and tools find ports chosen with port 0.
const BoundAddressesFile = "bound-addresses.json"

// boundAddressesVersion is the version of BoundAddressesFile's format.
const boundAddressesVersion = 1

// BoundAddresses is the content of BoundAddressesFile.
type BoundAddresses struct {
	Version int `json:"version"`
	// HTTP is the plain HTTP API's address, "" when ports.http is -1.
	HTTP   string `json:"http"`
	Server string `json:"server"`
	// SerfLAN and DNS are the gossip and DNS addresses (added in the same
	// version 1: readers of older files see them empty).
	SerfLAN string `json:"serf_lan,omitempty"`
	DNS     string `json:"dns,omitempty"`
	// SerfWAN is a server's WAN gossip address (also version 1).
	SerfWAN string `json:"serf_wan,omitempty"`
	// HTTPS is the HTTPS API's address, when ports.https is on (also
	// version 1).
	HTTPS string `json:"https,omitempty"`
}

// Options are what the agent needs beside its configuration.
type Options struct {
	// Logger receives the agent's logs; nil logs nothing.
	Logger *zap.Logger
	// Version is reported by /v1/agent/self and /v1/agent/members.
	Version string
	// Reload, if set, loads the configuration again for Reload.
	Reload func() (*config.Config, error)
	// Level, if set, is the logger's level, which a reload changes.
	Level *zap.AtomicLevel
	// Executable is the cairn binary, which runs the config's watches
	// as `cairn watch` processes (watches.go).
	Executable string
}

// Agent is one running agent: an Env with its event loop, the Raft server
// and catalog on that loop, and the HTTP API on net/http's goroutines.
type Agent struct {
	cfg    *config.Config
	opts   Options
	logger *zap.Logger
	env    *osenv.Env
	// server is the Raft server of a server agent, client the RPC client
	// of a client agent; exactly one is set. member and backend are
	// whichever it is, seen as a pool member and as the catalog's door.
	server  *core.Server
	client  *core.Client
	member  poolMember
	backend core.CatalogBackend
	// local is the agent's own services and checks (agentlocal.go), and
	// runner runs their HTTP and TCP checks (runners.go).
	local  *core.Local
	runner *checks.Runner
	// fromFiles are the services and checks the config files added;
	// reloadMu serialises reloads.
	fromFiles configEntries
	reloadMu  sync.Mutex
	nodeID    string
	// serverPort is the bound Raft port, advertised in member tags.
	serverPort int
	dataDir    string
	tempDir    bool
	// dns is the DNS interface, nil when ports.dns is -1.
	dns *dns.Server
	// lock holds data_dir's exclusive lock while the agent runs.
	lock *os.File
	// left is closed once the agent has left the cluster on request.
	left     chan struct{}
	leftOnce sync.Once

	httpServer *http.Server
	// baseCtx is the parent of every request's context; Shutdown cancels
	// it first, so that blocking queries end at once.
	baseCtx    context.Context
	cancelBase context.CancelFunc
	httpLns    []net.Listener
	conns      *connLimiter
	serveDone  sync.WaitGroup

	// httpsLns are the HTTPS listeners, also in httpLns (https.go); tls
	// holds the loaded TLS settings.
	httpsLns []net.Listener
	tls      *tlsutil.Configurator

	// waiting counts blocking queries waiting for a change, for tests and
	// metrics; parking holds those parked off their goroutines (park.go).
	waiting atomic.Int64
	parking *parkingLot
	metrics *agentMetrics
	// events are the user events this agent kept (events.go).
	events *eventLog
	// logs feeds /v1/agent/monitor (monitor.go).
	logs *logHub
	// watches runs the config's watches, watchCmds (watches.go).
	watches   watchRunner
	watchCmds []watchCommand
	// acl resolves tokens; nil when ACLs are off (aclauth.go). tokens are
	// the agent tokens set through the API (agenttoken.go).
	acl    *aclState
	tokens agentTokens
	// relays are the relayed requests this server serves that may be
	// stopped early (relaycancel.go).
	relays relayCancels

	shutdownOnce sync.Once
	shutdownErr  error
}

// New starts an agent: it checks that the configuration asks for what is
// built (a single server, no ACLs), prepares data_dir (a temporary one in
// dev mode, removed at Shutdown), starts the loop and the Raft server, and
// serves the HTTP API.
func New(cfg *config.Config, opts Options) (*Agent, error) {
	if err := checkSupported(cfg); err != nil {
		return nil, err
	}
	if opts.Logger == nil {
		opts.Logger = zap.NewNop()
	}
	entries, err := fromConfig(cfg)
	if err != nil {
		return nil, fmt.Errorf("config services and checks: %w", err)
	}
	watchCmds, err := checkWatches(cfg, opts)
	if err != nil {
		return nil, err
	}
	logs := &logHub{}
	logger := opts.Logger.WithOptions(zap.WrapCore(func(c zapcore.Core) zapcore.Core {
		return zapcore.NewTee(c, newHubCore(logs))
	}))
	a := &Agent{cfg: cfg, opts: opts, logger: logger, dataDir: cfg.DataDir, left: make(chan struct{}),
		fromFiles: entries, events: newEventLog(), logs: logs, watchCmds: watchCmds}
	if a.acl, err = a.newACLState(); err != nil {
		return nil, fmt.Errorf("acl: %w", err)
	}
	if err := a.prepareDataDir(); err != nil {
		return nil, err
	}
	if err := a.start(); err != nil {
		a.stop()
		return nil, err
	}
	return a, nil
}

// checkSupported refuses configurations this agent cannot run safely yet.
func checkSupported(cfg *config.Config) error {
	if cfg.Server && !(cfg.DevMode || cfg.Bootstrap || cfg.BootstrapExpect >= 1) {
		return errors.New("a server needs bootstrap_expect (or bootstrap) to form a cluster; set bootstrap_expect to the number of servers")
	}
	if len(cfg.ClientAddrs) == 0 || (cfg.Ports.HTTP < 0 && cfg.Ports.HTTPS < 0) {
		return errors.New("the HTTP API is disabled (no client_addr, or both ports.http and ports.https are -1), so the agent would be unreachable")
	}
	return nil
}

// prepareDataDir creates data_dir, or a temporary one in dev mode, and
// loads or creates the node ID.
func (a *Agent) prepareDataDir() error {
	if a.dataDir == "" {
		dir, err := os.MkdirTemp("", "cairn-dev-")
		if err != nil {
			return fmt.Errorf("create dev data dir: %w", err)
		}
		a.dataDir, a.tempDir = dir, true
	} else if err := os.MkdirAll(a.dataDir, 0o700); err != nil {
		return fmt.Errorf("create data dir: %w", err)
	}
	lock, err := lockDataDir(a.dataDir)
	if err != nil {
		a.removeTempDir()
		return err
	}
	a.lock = lock
	id, err := loadNodeID(a.dataDir, a.cfg.NodeID)
	if err != nil {
		a.releaseDataDir()
		return err
	}
	a.nodeID = id
	return nil
}

// releaseDataDir drops the data dir's lock and removes a dev data dir.
func (a *Agent) releaseDataDir() {
	if a.lock != nil {
		a.lock.Close()
		a.lock = nil
	}
	a.removeTempDir()
}

// start runs the loop, the Raft server and the HTTP listeners.
func (a *Agent) start() error {
	tlsConf, err := tlsutil.New(a.cfg.TLS)
	if err != nil {
		return err
	}
	a.tls = tlsConf
	env, err := osenv.New(osenv.Config{Host: a.cfg.BindAddr.String(), DataDir: a.dataDir, Logger: a.logger, TLS: a.streamTLS()})
	if err != nil {
		return fmt.Errorf("create environment: %w", err)
	}
	a.env = env
	go env.Run()
	a.metrics = a.newMetrics()
	var startErr error
	env.Do(func() {
		if a.cfg.Server {
			startErr = a.startServer()
		} else {
			startErr = a.startClient()
		}
		if startErr == nil {
			a.startLocal()
		}
	})
	if startErr != nil {
		return startErr
	}
	a.runner = a.newRunner()
	if err := a.putConfigEntries(a.fromFiles); err != nil {
		return fmt.Errorf("config services and checks: %w", err)
	}
	a.restoreLocal() // what the API registered before the last stop (persist.go); the config wins

	if err := a.serveHTTP(); err != nil {
		return err
	}
	if err := a.serveHTTPS(); err != nil {
		return err
	}
	if err := a.startDNS(); err != nil {
		return err
	}
	if err := a.startWatches(a.watchCmds); err != nil {
		return err
	}
	return a.writeBoundAddresses()
}

// startServer starts the Raft server; it runs on the loop.
func (a *Agent) startServer() error {
	srv, err := core.NewServer(a.env, core.Config{
		ID: raft.ServerID(a.nodeID), NodeName: a.cfg.NodeName,
		NodeAddress: a.cfg.AdvertiseAddr.String(), Datacenter: a.cfg.Datacenter,
		NodeMeta: a.cfg.NodeMeta, TaggedAddresses: a.taggedAddresses(),
		Port: a.cfg.Ports.Server, AdvertiseHost: a.cfg.AdvertiseAddr.String(),
		Dir: "raft", Bootstrap: a.cfg.DevMode || a.cfg.Bootstrap || a.cfg.BootstrapExpect == 1,
		BootstrapExpect: a.cfg.BootstrapExpect, Gossip: a.gossipConfig(), WANGossip: a.wanGossipConfig(),
		HoldTimeout: a.cfg.Performance.RPCHoldTimeout,
		ACLEnabled:  a.cfg.ACL.Enabled, ACLInitialManagement: string(a.cfg.ACL.Tokens.InitialManagement),
		PrimaryDatacenter: a.cfg.PrimaryDatacenter, ACLTokenReplication: a.cfg.ACL.EnableTokenReplication, ACLReplicationToken: string(a.cfg.ACL.Tokens.Replication),
		ACLDownPolicy: a.aclDownPolicy(), ACLTokenTTL: a.cfg.ACL.TokenTTL,
		Multiplier:        a.cfg.Performance.RaftMultiplier,
		SnapshotThreshold: uint64(a.cfg.RaftSnapshotThreshold),
		TrailingEntries:   uint64(a.cfg.RaftTrailingLogs),
		Autopilot:         autopilotSettings(a.cfg.Autopilot),
		Metrics:           a.metrics.registry,
	})
	if err != nil {
		return err
	}
	a.server, a.member, a.backend = srv, srv, srv
	_, port, err := net.SplitHostPort(srv.BoundAddr())
	if err != nil {
		return fmt.Errorf("raft listener address: %w", err)
	}
	a.serverPort, _ = strconv.Atoi(port)
	a.registerRelay()
	if a.acl != nil {
		srv.SetRPCAuthorizer(rpcAuthorizer{a})
	}
	return nil
}

// startClient joins the pool as a client agent; it runs on the loop.
func (a *Agent) startClient() error {
	cl, err := core.NewClient(a.env, core.ClientConfig{
		NodeID: a.nodeID, NodeName: a.cfg.NodeName, Datacenter: a.cfg.Datacenter,
		Gossip: *a.gossipConfig(), HoldTimeout: a.cfg.Performance.RPCHoldTimeout,
		Metrics: a.metrics.registry,
	})
	if err != nil {
		return err
	}
	a.client, a.member, a.backend = cl, cl, cl
	return nil
}

// startLocal creates the local state on the loop.
func (a *Agent) startLocal() {
	a.local = core.NewLocal(a.env, a.backend, core.LocalConfig{
		Node: catalog.Node{
			ID: a.nodeID, Node: a.cfg.NodeName, Address: a.cfg.AdvertiseAddr.String(),
			Datacenter: a.cfg.Datacenter, TaggedAddresses: a.taggedAddresses(), Meta: a.cfg.NodeMeta,
		},
		PoolSize: func() int { return len(a.member.Members()) },
		Token:    a.agentOwnToken,
		ServiceReaped: func(id string, checkIDs []string) {
			a.stopRunners(checkIDs)
			if err := a.unpersistService(id, checkIDs); err != nil {
				a.logger.Error("removing the saved files of a reaped service failed", zap.String("service", id), zap.Error(err))
			}
		},
	})
}

// taggedAddresses are the node's tagged addresses as Consul fills them:
// lan and wan (with their _ipv4 forms) from the advertised addresses,
// then tagged_addresses from the config on top.
func (a *Agent) taggedAddresses() map[string]string {
	lan, wan := a.cfg.AdvertiseAddr.String(), a.cfg.AdvertiseAddr.String()
	if a.cfg.AdvertiseAddrWAN.IsValid() {
		wan = a.cfg.AdvertiseAddrWAN.String()
	}
	out := map[string]string{"lan": lan, "wan": wan}
	if a.cfg.AdvertiseAddr.Is4() {
		out["lan_ipv4"] = lan
	}
	if !a.cfg.AdvertiseAddrWAN.IsValid() && a.cfg.AdvertiseAddr.Is4() || a.cfg.AdvertiseAddrWAN.Is4() {
		out["wan_ipv4"] = wan
	}
	maps.Copy(out, a.cfg.TaggedAddresses)
	return out
}

// gossipConfig places the agent in its datacenter's LAN pool on serf_lan,
// joining through retry_join (the agent's own address may be listed, as in
// the seed's configuration) with the encrypt key.
func (a *Agent) gossipConfig() *core.GossipConfig {
	g := &core.GossipConfig{Port: a.cfg.Ports.SerfLAN, OnUserEvent: a.onUserEvent, AdvertiseHost: a.cfg.AdvertiseAddr.String()}
	for _, hp := range a.cfg.RetryJoin {
		g.RetryJoin = append(g.RetryJoin, hp.String())
	}
	if key := a.cfg.GossipKey(); len(key) > 0 {
		g.EncryptKey = base64.StdEncoding.EncodeToString(key)
	}
	return g
}

// wanGossipConfig places a server in the WAN pool on serf_wan, joining
// through retry_join_wan; nil when serf_wan is -1.
func (a *Agent) wanGossipConfig() *core.GossipConfig {
	if a.cfg.Ports.SerfWAN < 0 {
		return nil
	}
	g := &core.GossipConfig{Port: a.cfg.Ports.SerfWAN, AdvertiseHost: a.cfg.AdvertiseAddr.String()}
	if a.cfg.AdvertiseAddrWAN.IsValid() {
		g.AdvertiseHost = a.cfg.AdvertiseAddrWAN.String()
	}
	for _, hp := range a.cfg.RetryJoinWAN {
		g.RetryJoin = append(g.RetryJoin, hp.String())
	}
	if key := a.cfg.GossipKey(); len(key) > 0 {
		g.EncryptKey = base64.StdEncoding.EncodeToString(key)
	}
	return g
}

// serveHTTP makes the API server and, unless ports.http is -1, listens
// on every client address and serves the API over plain HTTP.
func (a *Agent) serveHTTP() error {
	a.conns = newConnLimiter(a.cfg.Limits.HTTPMaxConnsPerClient)
	a.baseCtx, a.cancelBase = context.WithCancel(context.Background())
	a.httpServer = &http.Server{Handler: a.handler(), ReadHeaderTimeout: 30 * time.Second,
		ErrorLog:    zap.NewStdLog(a.logger.Named("http")),
		BaseContext: func(net.Listener) context.Context { return a.baseCtx }}
	a.parking = newParkingLot(a, a.httpServer)
	a.parking.start()
	if a.cfg.Ports.HTTP < 0 {
		return nil
	}
	for _, addr := range a.cfg.ClientAddrs {
		hostPort := net.JoinHostPort(addr.String(), strconv.Itoa(a.cfg.Ports.HTTP))
		ln, err := net.Listen("tcp", hostPort)
		if err != nil {
			return fmt.Errorf("listen for HTTP on %s: %w", hostPort, err)
		}
		a.httpLns = append(a.httpLns, ln)
	}
	for _, ln := range a.httpLns {
		a.serveDone.Add(1)
		go func() {
			defer a.serveDone.Done()
			err := a.httpServer.Serve(a.conns.wrap(ln))
			if err != nil && !errors.Is(err, http.ErrServerClosed) {
				a.logger.Error("HTTP server stopped", zap.Error(err))
			}
		}()
	}
	return nil
}

// HTTPAddr is the address of the first plain HTTP listener, "host:port",
// or "" when ports.http is -1 (an HTTPS-only agent: see APIURL).
func (a *Agent) HTTPAddr() string {
	if a.cfg.Ports.HTTP < 0 || len(a.httpLns) == 0 {
		return ""
	}
	return a.httpLns[0].Addr().String()
}

// ServerAddr is the address the Raft listener is bound to; "" on a client.
func (a *Agent) ServerAddr() string {
	var addr string
	if a.server != nil {
		a.env.Do(func() { addr = a.server.BoundAddr() })
	}
	return addr
}

// DataDir is the agent's data directory (a temporary one in dev mode).
func (a *Agent) DataDir() string { return a.dataDir }

// NodeID is the agent's node ID.
func (a *Agent) NodeID() string { return a.nodeID }

// writeBoundAddresses writes BoundAddressesFile atomically.
func (a *Agent) writeBoundAddresses() error {
	var serf, serfWAN string
	a.env.Do(func() {
		serf = a.member.GossipAddr()
		if a.server != nil {
			serfWAN = a.server.WAN().Addr()
		}
	})
	b, err := json.Marshal(BoundAddresses{Version: boundAddressesVersion,
		HTTP: a.HTTPAddr(), Server: a.ServerAddr(), SerfLAN: serf, DNS: a.DNSAddr(), SerfWAN: serfWAN,
		HTTPS: a.HTTPSAddr()})
	if err != nil {
		return fmt.Errorf("encode bound addresses: %w", err)
	}
	path := filepath.Join(a.dataDir, BoundAddressesFile)
	if err := os.WriteFile(path+".tmp", append(b, '\n'), 0o600); err != nil {
		return fmt.Errorf("write bound addresses: %w", err)
	}
	if err := os.Rename(path+".tmp", path); err != nil {
		return fmt.Errorf("write bound addresses: %w", err)
	}
	return nil
}

// ReadBoundAddresses reads the BoundAddressesFile of a data directory.
func ReadBoundAddresses(dataDir string) (BoundAddresses, error) {
	var ba BoundAddresses
	b, err := os.ReadFile(filepath.Join(dataDir, BoundAddressesFile))
	if err != nil {
		return ba, fmt.Errorf("read bound addresses: %w", err)
	}
	if err := json.Unmarshal(b, &ba); err != nil {
		return ba, fmt.Errorf("decode bound addresses: %w", err)
	}
	if ba.Version != boundAddressesVersion {
		return ba, fmt.Errorf("bound addresses: unknown version %d", ba.Version)
	}
	return ba, nil
}

// Shutdown stops the HTTP server, the Raft server and the loop, and
// removes a dev-mode data directory. Requests still waiting (blocking
// queries, writes not yet committed) are answered at once with an error;
// ctx bounds the wait for the answers to be written. It is safe to call
// more than once.
func (a *Agent) Shutdown(ctx context.Context) error {
	a.shutdownOnce.Do(func() {
		if a.httpServer != nil {
			a.cancelBase()
			if err := a.parking.shutdown(ctx); err != nil {
				a.shutdownErr = fmt.Errorf("shut down parked queries: %w", err)
			}
			if err := a.httpServer.Shutdown(ctx); err != nil {
				a.httpServer.Close()
				a.shutdownErr = fmt.Errorf("shut down HTTP: %w", err)
			}
			a.serveDone.Wait()
		}
		a.stop()
	})
	return a.shutdownErr
}

// stop stops the server and the loop and removes a temporary data dir.
func (a *Agent) stop() {
	for _, ln := range a.httpLns {
		ln.Close()
	}
	if a.runner != nil {
		a.runner.StopAll()
	}
	a.stopWatches()
	if a.dns != nil {
		a.dns.Shutdown(context.Background())
	}
	if a.env != nil {
		a.env.Do(func() {
			if a.local != nil {
				a.local.Stop()
			}
			if a.server != nil {
				a.server.Stop()
			}
			if a.client != nil {
				a.client.Stop()
			}
		})
		a.env.Close()
	}
	a.releaseDataDir()
}

func (a *Agent) removeTempDir() {
	if a.tempDir {
		if err := os.RemoveAll(a.dataDir); err != nil {
			a.logger.Warn("removing the dev data dir failed", zap.String("dir", a.dataDir), zap.Error(err))
		}
	}
}
