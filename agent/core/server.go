package core

import (
	"errors"
	"fmt"
	"net"
	"time"

	"go.uber.org/zap"

	"github.com/cairn-sd/cairn/acl"
	"github.com/cairn-sd/cairn/agent/metrics"
	"github.com/cairn-sd/cairn/agent/rpc"
	"github.com/cairn-sd/cairn/catalog"
	"github.com/cairn-sd/cairn/netsim"
	"github.com/cairn-sd/cairn/raft"
	"github.com/cairn-sd/cairn/raft/driver"
	"github.com/cairn-sd/cairn/raft/wal"
)

// ErrStopped fails requests made to a stopped server.
var ErrStopped = errors.New("core: server stopped")

// ErrNoGossip is returned by pool operations on a server without gossip.
var ErrNoGossip = errors.New("core: this agent is not in a gossip pool")

// ErrUnexpectedResult means the state machine answered a proposal with
// something other than a catalog.Result, which only a wiring mistake can
// cause.
var ErrUnexpectedResult = errors.New("core: state machine returned an unexpected result")

// defaultCheckInterval is how often the server looks at its Raft role to
// track leader contact and to (re)register its own node.
const defaultCheckInterval = 100 * time.Millisecond

// Config describes one server agent.
type Config struct {
	// ID is the Raft server ID: the agent's node ID.
	ID raft.ServerID
	// NodeName, NodeAddress and Datacenter describe the agent's own node,
	// which the server registers in the catalog once it leads.
	NodeName    string
	NodeAddress string
	Datacenter  string
	// NodeMeta and TaggedAddresses are carried into that registration.
	NodeMeta        map[string]string
	TaggedAddresses map[string]string

	// Port is the Raft port to listen on; 0 picks a free one.
	Port int
	// AdvertiseHost is the address peers reach this server at; the bound
	// port is appended to it.
	AdvertiseHost string
	// Dir is the Raft storage directory on the Env's disk.
	Dir string
	// Bootstrap makes a fresh server elect itself alone.
	Bootstrap bool
	// Multiplier scales Raft's timeouts (performance.raft_multiplier).
	Multiplier int
	// BootstrapExpect is how many servers gossip must show before they
	// bootstrap Raft together (bootstrap_expect > 1; see bootstrap.go).
	BootstrapExpect int
	// Gossip, if set, puts the server in the LAN pool; the leader then
	// mirrors the pool into the catalog and Raft's membership. Without it
	// the server registers only its own node.
	Gossip *GossipConfig
	// WANGossip, if set, puts the server in the WAN pool with the servers
	// of other datacenters (wan.go).
	WANGossip *GossipConfig
	// HoldTimeout bounds the retries of a request for another datacenter;
	// zero means DefaultHoldTimeout.
	HoldTimeout time.Duration
	// ACLEnabled makes the leader initialise the ACL tables (acl.go);
	// ACLInitialManagement is the secret of the management token it then
	// creates (acl.tokens.initial_management), if any.
	ACLEnabled           bool
	ACLInitialManagement string
	// PrimaryDatacenter is the datacenter authoritative for ACLs; empty
	// means this one. A server of another datacenter replicates the
	// primary's policies, and with ACLTokenReplication
	// (acl.enable_token_replication) its global tokens, presenting
	// ACLReplicationToken (acl.tokens.replication); it polls every
	// ACLReplicationInterval (zero means one second). See
	// aclreplication.go.
	PrimaryDatacenter      string
	ACLTokenReplication    bool
	ACLReplicationToken    string
	ACLReplicationInterval time.Duration
	// ACLDownPolicy (acl.down_policy) and ACLTokenTTL (acl.token_ttl;
	// zero means DefaultACLTokenTTL) govern the cache of tokens a
	// secondary resolves in the primary (aclresolve.go).
	ACLDownPolicy acl.DownPolicy
	ACLTokenTTL   time.Duration
	// CheckInterval is the period of the role check; zero means 100 ms.
	CheckInterval time.Duration
	// Autopilot, if set, seeds the replicated autopilot settings when none
	// were written yet (autopilotinit.go).
	Autopilot *catalog.AutopilotConfig
	// SnapshotThreshold and TrailingEntries tune Raft's snapshots; zero
	// means the driver's defaults.
	SnapshotThreshold uint64
	TrailingEntries   uint64
	// Metrics, if set, receives the server's figures (metrics.go).
	Metrics *metrics.Registry
}

// Server is one Raft server replicating the catalog. Its methods must be
// called on the Env's loop.
type Server struct {
	cfg      Config
	env      netsim.Env
	logger   *zap.Logger
	raft     *driver.Server
	fsm      *catalog.State
	listener netsim.Listener
	addr     string
	check    netsim.Timer
	stopped  bool

	// leaderSeen is when this server last knew of a leader.
	leaderSeen time.Time
	// registeredTerm is the term in which the self-registration was last
	// committed by this server as leader; registering is the term it is
	// in flight for.
	registeredTerm uint64
	registering    uint64

	pool
	wan          pool
	bootstrapped bool
	// inFlight marks members whose reconcile proposal is uncommitted.
	inFlight  map[string]bool
	checks    int
	rpcServer *rpc.Server
	rpcClient *rpc.Client
	// ttl holds the leader's session TTL timers (sessionttl.go).
	ttl sessionTimers
	// meters are the server's metrics (metrics_events.go).
	meters meters
	// aclInitTerm is the term whose leader initialised ACLs (acl.go).
	aclInitTerm     uint64
	aclInitializing bool
	// autopilot tracks the servers' contact and health (autopilot.go).
	autopilot autopilotTracker
	// aclRepl is the leader's ACL replication routine in a secondary
	// datacenter (aclreplication.go).
	aclRepl aclReplicator
	// remoteTokens caches the tokens resolved in the primary.
	remoteTokens *downCache[ResolvedToken]
	// rpcAuth checks the tokens RPCs carry; nil with ACLs off (rpcauth.go).
	rpcAuth RPCAuthorizer
}

// NewServer listens on the Raft port, starts the Raft server with the
// catalog as its state machine, and bootstraps it when asked. It must run
// on the Env's loop.
func NewServer(env netsim.Env, cfg Config) (*Server, error) {
	if cfg.CheckInterval == 0 {
		cfg.CheckInterval = defaultCheckInterval
	}
	s := &Server{cfg: cfg, env: env, logger: env.Logger().Named("server"),
		fsm: catalog.New(env.Logger().Named("catalog")), leaderSeen: env.Now(),
		inFlight: map[string]bool{}, rpcClient: rpc.NewClient(env)}
	s.rpcServer = rpc.NewServer(s.logger)
	s.startMetrics()
	s.registerRPC()
	s.registerRemovePeer()
	s.registerForwardDC()
	s.registerACLBootstrap()
	s.registerAutopilot()
	s.registerACLResolve()
	s.registerACLReplication()
	// The server listens itself (driver Port -1) so that it knows its bound
	// port, which a Raft configuration must name, before Raft starts. Raft
	// and RPC share the port; each stream's first byte says which it is.
	mux := &rpc.Mux{Raft: s.accept, RPC: s.rpcServer.Accept}
	ln, err := env.Net().Listen(cfg.Port, mux.Accept)
	if err != nil {
		return nil, fmt.Errorf("core: listen for raft on port %d: %w", cfg.Port, err)
	}
	s.listener = ln
	s.addr = advertised(cfg.AdvertiseHost, ln.Addr())
	s.raft, err = driver.Start(s.timedEnv(env), driver.Config{
		ID: cfg.ID, Address: s.addr, Port: -1, Dir: cfg.Dir, FSM: s.fsm, Preamble: []byte{rpc.ProtoRaft},
		Multiplier: cfg.Multiplier, SnapshotThreshold: cfg.SnapshotThreshold,
		TrailingEntries: cfg.TrailingEntries,
	})
	if err != nil {
		ln.Close()
		return nil, fmt.Errorf("core: start raft: %w", err)
	}
	if cfg.Bootstrap {
		conf := raft.Configuration{Servers: []raft.Server{{ID: cfg.ID, Address: s.addr, Suffrage: raft.Voter}}}
		err := s.raft.Bootstrap(conf)
		if err != nil && !errors.Is(err, raft.ErrAlreadyBootstrapped) {
			s.Stop()
			return nil, fmt.Errorf("core: bootstrap: %w", err)
		}
	}
	if cfg.Gossip != nil {
		if s.pool, err = joinPool(env, cfg.Gossip, cfg.NodeName, s.serverTags(), s.onMemberEvent); err != nil {
			s.Stop()
			return nil, fmt.Errorf("core: join the LAN pool: %w", err)
		}
	}
	if cfg.WANGossip != nil {
		if err := s.startWAN(cfg.WANGossip); err != nil {
			s.Stop()
			return nil, err
		}
	}
	s.check = env.AfterFunc(cfg.CheckInterval, s.onCheck)
	return s, nil
}

// advertised replaces the host of a bound address with the advertised one.
func advertised(host, bound string) string {
	_, port, err := net.SplitHostPort(bound)
	if err != nil || host == "" {
		return bound
	}
	return net.JoinHostPort(host, port)
}

// accept hands a peer's stream to Raft.
func (s *Server) accept(st netsim.Stream) netsim.StreamHandler { return s.raft.Accept(st) }

// RegisterRPC makes h serve method on the server port, beside the methods
// servers call on each other (the agent relays HTTP requests this way).
func (s *Server) RegisterRPC(method string, h rpc.Handler) { s.rpcServer.Register(method, h) }

// RaftStats returns the Raft driver's and its log's counters.
func (s *Server) RaftStats() (driver.Stats, wal.Stats) { return s.raft.Stats() }

// Catalog is the replicated state. Its reads are safe from any goroutine.
func (s *Server) Catalog() *catalog.State { return s.fsm }

// Addr is the address peers reach this server's Raft at.
func (s *Server) Addr() string { return s.addr }

// BoundAddr is the address the Raft listener is bound to.
func (s *Server) BoundAddr() string { return s.listener.Addr() }

// Apply proposes an encoded catalog command. done is called once on the
// loop: with the catalog's Result once the command is applied, or with an
// error (a *driver.NotLeaderError on a follower, driver.ErrLeadershipLost
// when the outcome is unknown, ErrStopped).
//
// On a follower that knows the leader, the write is forwarded to it.
func (s *Server) Apply(cmd []byte, done func(catalog.Result, error)) { s.ApplyFor("", cmd, done) }

// ApplyFor is Apply for a command its caller has already checked against
// token's permissions: token travels with the command when it is forwarded,
// and the leader checks it again.
func (s *Server) ApplyFor(token string, cmd []byte, done func(catalog.Result, error)) {
	if s.forwardGlobalACLWrite(token, cmd, done) {
		return
	}
	s.applyLocal(cmd, func(r catalog.Result, err error) {
		if leader, ok := leaderToForwardTo(err); ok {
			s.forwardApply(leader, token, cmd, done)
			return
		}
		done(r, err)
	})
}

// ApplyAs checks that token may issue cmd, then applies it like ApplyFor.
// It is how an agent's own writes (anti-entropy, with the agent token) and
// every write arriving over RPC enter the catalog.
func (s *Server) ApplyAs(token string, cmd []byte, done func(catalog.Result, error)) {
	s.authorize(func(a RPCAuthorizer, verdict func(error)) { a.Command(token, cmd, verdict) },
		func(err error) { done(catalog.Result{}, err) },
		func() { s.ApplyFor(token, cmd, done) })
}

// applyLocal proposes a command to this server's Raft, without forwarding.
func (s *Server) applyLocal(cmd []byte, done func(catalog.Result, error)) {
	if s.stopped {
		done(catalog.Result{}, ErrStopped)
		return
	}
	s.raft.Propose(cmd, func(result any, err error) {
		if err != nil {
			done(catalog.Result{}, err)
			return
		}
		r, ok := result.(catalog.Result)
		if !ok {
			done(catalog.Result{}, fmt.Errorf("%w: %T", ErrUnexpectedResult, result))
			return
		}
		done(r, nil)
	})
}

// ConsistentRead calls done(nil) once a read of the local catalog is
// linearizable: leadership was confirmed by a quorum after the call and
// everything committed before it is applied.
//
// On a follower the leader confirms the read index (see forward.go).
func (s *Server) ConsistentRead(done func(error)) {
	if s.stopped {
		done(ErrStopped)
		return
	}
	s.raft.ReadIndex(func(err error) {
		if leader, ok := leaderToForwardTo(err); ok {
			s.forwardRead(leader, methodReadIndex, done)
			return
		}
		done(err)
	})
}

// LeaderRead calls done(nil) once this server has applied everything the
// leader had applied when asked: Consul's default consistency, where a
// read sees every write acknowledged before it unless leadership changed
// in between. The leader itself answers at once, without a quorum round.
func (s *Server) LeaderRead(done func(error)) {
	switch {
	case s.stopped:
		done(ErrStopped)
	case s.isLeader():
		done(nil)
	default:
		_, leader := s.raft.Leader()
		if leader == "" {
			done(&driver.NotLeaderError{})
			return
		}
		s.forwardRead(leader, methodAppliedIndex, done)
	}
}

// NodeState reads a node's catalog entry at default consistency.
func (s *Server) NodeState(node string, done func(NodeState, error)) {
	s.LeaderRead(func(err error) {
		if err != nil {
			done(NodeState{}, err)
			return
		}
		var ns NodeState
		_, entry := s.fsm.GetNode(nil, node)
		if entry == nil {
			done(ns, nil)
			return
		}
		ns.Node, ns.Services = entry.Node, entry.Services
		_, ns.Checks, err = s.fsm.NodeChecks(nil, node, catalog.Query{})
		done(ns, err)
	})
}

// NodeStateAs checks that token may read node, then reads it like
// NodeState.
func (s *Server) NodeStateAs(token, node string, done func(NodeState, error)) {
	s.authorize(func(a RPCAuthorizer, verdict func(error)) { a.NodeRead(token, node, verdict) },
		func(err error) { done(NodeState{}, err) },
		func() { s.NodeState(node, done) })
}

// Stop stops Raft and the listener. Pending requests fail.
func (s *Server) Stop() {
	if s.stopped {
		return
	}
	s.stopped = true
	s.stopSessionTimers()
	if s.check != nil {
		s.check.Stop()
	}
	s.pool.stop()
	s.wan.stop()
	s.rpcClient.Close()
	s.listener.Close()
	s.raft.Stop()
}
