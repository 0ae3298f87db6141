package driver

import (
	"errors"
	"fmt"
	"time"

	"go.uber.org/zap"

	"github.com/cairn-sd/cairn/netsim"
	"github.com/cairn-sd/cairn/raft"
	"github.com/cairn-sd/cairn/raft/wal"
)

// Errors the driver reports to its callers.
var (
	// ErrStopped fails requests made to, or pending on, a stopped server.
	ErrStopped = errors.New("raft: server stopped")
	// ErrLeadershipLost fails a proposal or read whose leader stepped down
	// before it was answered; a proposal's outcome is then unknown.
	ErrLeadershipLost = raft.ErrLeadershipLost
)

// NotLeaderError is returned by requests made on a server that is not the
// leader. It names the leader to forward to, if one is known.
type NotLeaderError struct {
	LeaderID   raft.ServerID
	LeaderAddr string
}

func (e *NotLeaderError) Error() string {
	if e.LeaderID == "" {
		return "raft: not the leader, and no leader is known"
	}
	return fmt.Sprintf("raft: not the leader; leader is %s at %s", e.LeaderID, e.LeaderAddr)
}

// Unwrap makes errors.Is(err, raft.ErrNotLeader) hold.
func (e *NotLeaderError) Unwrap() error { return raft.ErrNotLeader }

// Config describes one Raft server.
type Config struct {
	// ID and Address identify this server in Raft configurations.
	ID      raft.ServerID
	Address string
	// Port is the port to listen on for peers; -1 means the caller does
	// not want a listener and hands streams to Accept itself (the agent
	// multiplexes Raft with its RPC on one port).
	Port int
	// Preamble, if set, is sent as the first message of every stream this
	// server dials, before any Raft frame: the agent's multiplexed port
	// reads it to route the stream to Raft (see agent/rpc). Accept expects
	// the preamble to have been consumed already.
	Preamble []byte
	// Dir is the WAL's directory on the Env's disk.
	Dir string
	// FSM is the replicated state machine.
	FSM raft.StateMachine

	// TickInterval is the time between core ticks; zero means
	// raft.DefaultTickInterval.
	TickInterval time.Duration
	// Multiplier scales the election and heartbeat timeouts, as Consul's
	// performance.raft_multiplier does; zero means 1.
	Multiplier int
	// SnapshotThreshold is how many applied entries since the last
	// snapshot trigger a new one; zero means 16384.
	SnapshotThreshold uint64
	// TrailingEntries is how many entries are kept behind a snapshot, so
	// that slightly lagging followers get entries, not a snapshot; zero
	// means 10240.
	TrailingEntries uint64

	// Observer, if set, is told of every leadership change and applied
	// entry. Simulation tests use it to check invariants.
	Observer Observer
}

// Observer watches a server from the outside.
type Observer interface {
	// Leader is called when this server becomes leader of term.
	Leader(id raft.ServerID, term uint64)
	// Applied is called for every committed entry, in order, after the
	// state machine applied it (command entries) or the driver skipped it.
	Applied(id raft.ServerID, e raft.Entry)
}

func (c *Config) withDefaults() {
	if c.TickInterval == 0 {
		c.TickInterval = raft.DefaultTickInterval
	}
	if c.Multiplier == 0 {
		c.Multiplier = 1
	}
	if c.SnapshotThreshold == 0 {
		c.SnapshotThreshold = 16384
	}
	if c.TrailingEntries == 0 {
		c.TrailingEntries = 10240
	}
}

// Server is one running Raft server. All its methods must be called on the
// Env's loop.
type Server struct {
	cfg    Config
	env    netsim.Env
	logger *zap.Logger
	core   *raft.Node
	wal    *wal.WAL

	tick     netsim.Timer
	kicked   bool
	stopped  bool
	listener netsim.Listener
	peers    map[raft.ServerID]*peer

	pending pending
	// snapshotTicks counts, per follower in snapshot state, the ticks it
	// has been there (see expireSnapshotTransfers).
	snapshotTicks map[raft.ServerID]int
	// introduced maps servers to the addresses their hellos gave.
	introduced map[raft.ServerID]string
	// received holds snapshot data by index until the next Ready.
	received map[uint64][]byte
	applied  uint64
	snapshot raft.SnapshotMeta
	// snapshotting is set while a snapshot file is written in the
	// background (maybeSnapshot).
	snapshotting bool
	stats        Stats
}

// Stats counts the server's work, for benchmarks and metrics.
type Stats struct {
	Readies   uint64 // Readies processed
	Applied   uint64 // entries applied
	Snapshots uint64 // snapshots taken locally
	Installed uint64 // snapshots installed from a leader
	// AsyncSyncs counts Readies whose fsync ran beside the loop.
	AsyncSyncs uint64
}

// Start recovers the server from its WAL and snapshot, restores the state
// machine, and starts ticking. It must run on the Env's loop.
func Start(env netsim.Env, cfg Config) (*Server, error) {
	cfg.withDefaults()
	logger := env.Logger().With(zap.String("raft_id", string(cfg.ID)))
	w, st, err := wal.Open(env.Disk(), cfg.Dir, logger, wal.WithTrailingEntries(cfg.TrailingEntries))
	if err != nil {
		return nil, fmt.Errorf("raft: open storage: %w", err)
	}
	if err := restoreFSM(w, st.Snapshot, cfg.FSM); err != nil {
		w.Close()
		return nil, err
	}
	if err := recoverFromPeers(env, w, &st, cfg, logger); err != nil {
		w.Close()
		return nil, err
	}
	rc := raft.DefaultConfig(cfg.ID, env.Rand())
	rc.ElectionTicks *= cfg.Multiplier
	rc.HeartbeatTicks *= cfg.Multiplier
	// The core names itself in its log lines; it gets the logger without
	// the driver's raft_id field so that the field appears once.
	rc.HardState, rc.Snapshot, rc.Entries, rc.Logger = st.HardState, st.Snapshot, st.Entries, env.Logger()
	core, err := raft.New(rc)
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("raft: recover core: %w", err)
	}
	s := &Server{
		cfg: cfg, env: env, logger: logger, core: core, wal: w,
		peers:         make(map[raft.ServerID]*peer),
		received:      make(map[uint64][]byte),
		introduced:    make(map[raft.ServerID]string),
		snapshotTicks: make(map[raft.ServerID]int),
		applied:       st.Snapshot.Index,
		snapshot:      st.Snapshot,
	}
	if cfg.Port >= 0 {
		ln, err := env.Net().Listen(cfg.Port, s.Accept)
		if err != nil {
			w.Close()
			return nil, fmt.Errorf("raft: listen: %w", err)
		}
		s.listener = ln
	}
	// The first tick comes after a random part of the interval, so that
	// servers started together do not tick in step: in-step ticks make
	// equal timeout draws fire at the same instant and split the vote.
	s.tick = env.AfterFunc(1+time.Duration(env.Rand().Int64N(int64(cfg.TickInterval))), s.onTick)
	return s, nil
}

// Stop ends the server: timers stop, streams close, pending requests fail
// with ErrStopped, and the WAL is closed.
func (s *Server) Stop() {
	if s.stopped {
		return
	}
	s.stopped = true
	s.tick.Stop()
	if s.listener != nil {
		s.listener.Close()
	}
	for _, id := range sortedPeerIDs(s.peers) {
		s.peers[id].close()
	}
	s.pending.failAll(ErrStopped)
	if err := s.wal.Close(); err != nil {
		s.logger.Warn("closing storage failed", zap.Error(err))
	}
}

func (s *Server) onTick() {
	if s.stopped {
		return
	}
	s.core.Tick()
	s.expireSnapshotTransfers()
	s.tick = s.env.AfterFunc(s.cfg.TickInterval, s.onTick)
	s.kick()
}

// kick schedules the processing of the core's Ready, once, after whatever
// else is queued on the loop.
func (s *Server) kick() {
	if s.kicked || s.stopped {
		return
	}
	s.kicked = true
	s.env.AfterFunc(0, s.process)
}

// Bootstrap gives a fresh server its first configuration (see
// raft.Node.Bootstrap).
func (s *Server) Bootstrap(conf raft.Configuration) error {
	if s.stopped {
		return ErrStopped
	}
	if err := s.core.Bootstrap(conf); err != nil {
		return err
	}
	s.kick()
	return nil
}

// Propose replicates cmd; done is called once with the state machine's
// result, or with an error (a *NotLeaderError, ErrLeadershipLost,
// ErrStopped).
func (s *Server) Propose(cmd []byte, done func(result any, err error)) {
	if s.stopped {
		done(nil, ErrStopped)
		return
	}
	index, term, err := s.core.Propose(cmd)
	if err != nil {
		done(nil, s.wrapErr(err))
		return
	}
	s.pending.addProposal(index, term, done)
	s.kick()
}

// ChangeConfig proposes a single-server membership change; done is called
// once it is committed or has failed.
func (s *Server) ChangeConfig(cc raft.ConfigChange, done func(err error)) {
	if s.stopped {
		done(ErrStopped)
		return
	}
	index, term, err := s.core.ProposeConfig(cc)
	if err != nil {
		done(s.wrapErr(err))
		return
	}
	s.pending.addProposal(index, term, func(_ any, err error) { done(err) })
	s.kick()
}

// ReadIndex confirms leadership with a quorum and calls done once the state
// machine has applied everything committed before the call (thesis §6.4):
// a read served from the state machine after done(nil) is linearizable.
func (s *Server) ReadIndex(done func(err error)) {
	if s.stopped {
		done(ErrStopped)
		return
	}
	ctx := s.pending.addRead(done)
	if err := s.core.ReadIndex(ctx); err != nil {
		s.pending.failRead(ctx, s.wrapErr(err))
		return
	}
	s.kick()
}

// TransferLeadership asks the leader to hand leadership to another voter.
func (s *Server) TransferLeadership(to raft.ServerID) error {
	if s.stopped {
		return ErrStopped
	}
	if err := s.core.TransferLeadership(to); err != nil {
		return s.wrapErr(err)
	}
	s.kick()
	return nil
}

// Leader returns the current leader's ID and address, if known.
func (s *Server) Leader() (raft.ServerID, string) {
	id, addr := s.core.Leader()
	if addr == "" && id != "" {
		addr = s.introduced[id]
	}
	return id, addr
}

// Status is the core's view of the group.
func (s *Server) Status() raft.Status { return s.core.Status() }

// Role is this server's role, without the copying Status does.
func (s *Server) Role() raft.Role { return s.core.Role() }

// Configuration is the latest configuration in the log.
func (s *Server) Configuration() raft.Configuration {
	c, _ := s.core.Configuration()
	return c
}

// Applied is the index of the last entry applied to the state machine.
func (s *Server) Applied() uint64 { return s.applied }

// Stats returns the server's and its WAL's counters.
func (s *Server) Stats() (Stats, wal.Stats) { return s.stats, s.wal.Stats() }

// wrapErr turns the core's ErrNotLeader into a NotLeaderError naming the
// leader.
func (s *Server) wrapErr(err error) error {
	if errors.Is(err, raft.ErrNotLeader) {
		id, addr := s.Leader()
		return &NotLeaderError{LeaderID: id, LeaderAddr: addr}
	}
	return err
}

// LogTerm returns the term of the log entry at index, if the log holds it.
func (s *Server) LogTerm(index uint64) (uint64, bool) { return s.core.Term(index) }

// AwaitApplied calls done once the state machine has applied index (at
// once if it has), or with ErrStopped. A follower serves a consistent read
// after awaiting the read index the leader confirmed.
func (s *Server) AwaitApplied(index uint64, done func(error)) {
	switch {
	case s.stopped:
		done(ErrStopped)
	case index <= s.applied:
		done(nil)
	default:
		s.pending.ready = append(s.pending.ready, &read{index: index, done: done})
	}
}
