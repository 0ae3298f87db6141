package catalog

import (
	"fmt"
	"io"
	"maps"
	"sync"

	"go.uber.org/zap"

	"github.com/cairn-sd/cairn/acl"
	"github.com/cairn-sd/cairn/raft"
)

// State is the catalog: every server's copy of the replicated tables, and
// the raft.StateMachine that keeps it. Apply, Snapshot and Restore are
// called by the Raft driver one at a time; the reads may be called from
// other goroutines at the same time (they take a read lock). Rows returned
// by reads are shared with the state and must not be modified.
type State struct {
	logger  *zap.Logger
	mu      sync.RWMutex
	db      db
	watches *watchRegistry
	// restoreFloor is the highest index this server answered before its
	// last Restore. It is local, not replicated: snapshots of servers that
	// restored and servers that did not stay byte-identical.
	restoreFloor uint64
	// now is the timestamp of the command being applied (its Now field,
	// chosen by the proposer), or 0 for commands without one. The catalog
	// never reads a clock: lock-delays are measured on this value.
	now Timestamp
}

// db is the data of the catalog: every table and every index. Copying it
// with snapshot() gives a point-in-time view that later writes leave alone.
type db struct {
	lastIndex  uint64            // index of the last applied command
	floor      uint64            // lowest index any read answers (tombstone.go)
	tableIndex map[string]uint64 // table name → index of its last change

	nodes        ordered[*Node]        // node name
	services     ordered[*Service]     // node, service ID
	serviceNames ordered[struct{}]     // service name, node, service ID (derived)
	checks       ordered[*HealthCheck] // node, check ID
	kvs          ordered[*KVPair]      // key
	sessions     ordered[*Session]     // session ID
	lockDelays   ordered[Timestamp]    // key → end of its lock-delay
	sessionKeys  ordered[struct{}]     // session ID, key it holds (derived)
	nodeSessions ordered[struct{}]     // node, session ID (derived)

	aclPolicies     ordered[*acl.Policy] // policy ID
	aclPolicyNames  ordered[string]      // policy name → ID (derived)
	aclTokens       ordered[*acl.Token]  // AccessorID
	aclTokenSecrets ordered[string]      // SecretID → AccessorID (derived)
	aclBootstrap    acl.BootstrapState   // whether and when ACLs were bootstrapped
	autopilot       AutopilotConfig      // the autopilot settings (autopilot.go)

	queries    ordered[*PreparedQuery] // prepared query ID (query.go)
	queryNames ordered[string]         // prepared query name → ID (derived)

	kvTombstones   ordered[uint64] // deleted key → index of the delete
	nodeIndexes    ordered[uint64] // node name → index of its last change
	serviceIndexes ordered[uint64] // service name → index of its last change
}

func newDB() db {
	return db{
		tableIndex:      make(map[string]uint64),
		nodes:           newOrdered[*Node](),
		services:        newOrdered[*Service](),
		serviceNames:    newOrdered[struct{}](),
		checks:          newOrdered[*HealthCheck](),
		kvs:             newOrdered[*KVPair](),
		sessions:        newOrdered[*Session](),
		lockDelays:      newOrdered[Timestamp](),
		sessionKeys:     newOrdered[struct{}](),
		nodeSessions:    newOrdered[struct{}](),
		aclPolicies:     newOrdered[*acl.Policy](),
		aclPolicyNames:  newOrdered[string](),
		aclTokens:       newOrdered[*acl.Token](),
		aclTokenSecrets: newOrdered[string](),
		queries:         newOrdered[*PreparedQuery](),
		queryNames:      newOrdered[string](),
		kvTombstones:    newOrdered[uint64](),
		nodeIndexes:     newOrdered[uint64](),
		serviceIndexes:  newOrdered[uint64](),
	}
}

// snapshot returns a copy of d that shares its rows: O(number of tables).
// Every table of d is marked shared, so d's next write to each table first
// copies that table's map and key slice: O(rows in that table), once per
// table per snapshot.
func (d *db) snapshot() db {
	return db{
		lastIndex:       d.lastIndex,
		floor:           d.floor,
		tableIndex:      maps.Clone(d.tableIndex),
		nodes:           d.nodes.snapshot(),
		services:        d.services.snapshot(),
		serviceNames:    d.serviceNames.snapshot(),
		checks:          d.checks.snapshot(),
		kvs:             d.kvs.snapshot(),
		sessions:        d.sessions.snapshot(),
		lockDelays:      d.lockDelays.snapshot(),
		sessionKeys:     d.sessionKeys.snapshot(),
		nodeSessions:    d.nodeSessions.snapshot(),
		aclPolicies:     d.aclPolicies.snapshot(),
		aclPolicyNames:  d.aclPolicyNames.snapshot(),
		aclTokens:       d.aclTokens.snapshot(),
		aclTokenSecrets: d.aclTokenSecrets.snapshot(),
		aclBootstrap:    d.aclBootstrap,
		autopilot:       d.autopilot,
		queries:         d.queries.snapshot(),
		queryNames:      d.queryNames.snapshot(),
		kvTombstones:    d.kvTombstones.snapshot(),
		nodeIndexes:     d.nodeIndexes.snapshot(),
		serviceIndexes:  d.serviceIndexes.snapshot(),
	}
}

var _ raft.StateMachine = (*State)(nil)

// New returns an empty catalog. A nil logger logs nothing.
func New(logger *zap.Logger) *State {
	if logger == nil {
		logger = zap.NewNop()
	}
	return &State{logger: logger, db: newDB(), watches: newWatchRegistry()}
}

// Query holds the optional arguments of the reads. Tags (all must be
// present, compared without case) and PassingOnly apply to service reads;
// NodeMeta (every pair must be on the node) and Filter (a go-bexpr
// expression over the read's result rows) apply wherever the read says.
type Query struct {
	Tags        []string
	NodeMeta    map[string]string
	Filter      string
	PassingOnly bool
}

// Apply decodes and applies the command committed at index and returns its
// Result. A command that cannot be decoded is refused with ErrBadCommand;
// it still advances the index, as every server refuses it alike.
func (s *State) Apply(index uint64, cmd []byte) any {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.db.lastIndex = index
	c, err := Decode(cmd)
	if err != nil {
		s.logger.Warn("catalog: refusing undecodable command", zap.Uint64("index", index), zap.Error(err))
		return errResult(err)
	}
	return boxResult(s.applyCommand(index, c))
}

// Apply returns its Result as an any, and putting a struct in an interface
// allocates a copy; the two plain answers of most writes are boxed once.
var (
	boxedOK    any = Result{OK: true}
	boxedNotOK any = Result{}
)

// boxResult returns r as an any, sharing the boxed copy of a plain answer
// (interface values are immutable, so the sharing cannot be seen).
func boxResult(r Result) any {
	switch {
	case r.Err != nil || r.TxnResults != nil || r.TxnErrors != nil:
		return r
	case r.OK:
		return boxedOK
	}
	return boxedNotOK
}

// LastIndex returns the index of the last applied command (or restored
// snapshot).
func (s *State) LastIndex() uint64 {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.db.lastIndex
}

// Snapshot captures the state in O(number of tables); see db.snapshot for
// the deferred copying cost.
func (s *State) Snapshot() (raft.SnapshotWriter, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return &snapshotWriter{db: s.db.snapshot()}, nil
}

// Restore replaces the state with the snapshot read from r. A snapshot that
// fails to parse or whose checksum does not match is refused and the state
// is left as it was. Restore never moves an index back: restoreFloor rises
// to the highest index answered before, so every read answers at least
// that, and every watcher is woken.
func (s *State) Restore(r io.Reader) error {
	d, err := readSnapshot(r)
	if err != nil {
		return fmt.Errorf("catalog: restore: %w", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	answered := max(s.db.lastIndex, s.db.floor, s.restoreFloor)
	if answered > 0 && d.lastIndex <= answered {
		// The snapshot's own indexes may not pass what was answered (an
		// older snapshot, or a second restore in a row): answer one past
		// everything answered so far, so that waiters see an index move.
		answered++
	}
	s.restoreFloor = answered
	s.db = d
	s.watches.fireAll()
	return nil
}
