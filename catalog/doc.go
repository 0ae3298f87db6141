// Package catalog is cairn's replicated state: the nodes, service instances,
// health checks and key/value entries of one datacenter, kept identical on
// every server by applying the same Raft log to it. It is the Raft state
// machine ([raft.StateMachine]): the leader proposes an encoded command,
// Raft commits it, and every server calls [State.Apply] with it, in log
// order, exactly once. The agent's HTTP layer serves Consul's catalog,
// health, KV, session, transaction and ACL endpoints from the reads on
// [State] and the Results of Apply.
//
// Like raft/ and swim/, the package is deterministic: Apply reads no clock
// and draws no randomness (IDs arrive inside commands), starts no goroutine
// and never lets map order reach a result or an encoding. The same log
// gives the same state, results and snapshot bytes on every server. Where
// an outcome depends on the time (lock-delays), the command carries the
// proposer's time in a Now field ([Timestamp]) and the FSM measures on
// that, never on a clock of its own.
//
// # Tables
//
// Each table is an ordered copy-on-write map (type ordered, table.go) from a
// string key to an immutable row. Its keys are kept sorted in chunks of a
// few hundred, so inserting a new key costs a binary search and a move of
// one chunk's keys, however large the table:
//
//	nodes        node name          → *Node              (nodes.go)
//	services     node, service ID   → *Service           (services.go)
//	checks       node, check ID     → *HealthCheck       (checks.go)
//	kvs          key                → *KVPair            (kv.go)
//	sessions     session ID         → *Session           (sessions.go)
//	lockDelays   key                → Timestamp          (locks.go)
//	aclPolicies  policy ID          → *acl.Policy        (aclpolicies.go)
//	aclTokens    AccessorID         → *acl.Token         (acltokens.go)
//	aclBootstrap (a single value)     acl.BootstrapState (aclbootstrap.go)
//	autopilot    (a single value)     AutopilotConfig    (autopilot.go)
//	queries      query ID           → *PreparedQuery     (query.go)
//
// Composite keys join their parts with NUL, so one node's services (or
// checks) are one contiguous key range. serviceNames (service name, node,
// ID) is a derived index for the per-service reads; nodeSessions (node,
// session ID) and sessionKeys (session ID, key it holds) are derived
// indexes for destroying a node's sessions and a session's locks;
// aclPolicyNames (name → ID) and aclTokenSecrets (SecretID → AccessorID)
// are the derived unique indexes of the ACL tables. The row types carry
// exactly the fields of Consul's JSON objects, under Consul's names, so
// the HTTP layer serialises them as they are and filter expressions select
// their fields by the names users know (filter.go, go-bexpr).
//
// A new table plugs in through the registry in tables.go: a field in db,
// an entry in tableDefs (snapshot section, record codec, and the snapshot
// version that added it) and touchTable calls in its writes (table-wide
// watches and index).
//
// # Sessions and locks (sessions.go, locks.go, kvview.go)
//
// A session is a lease on a node, tied to health checks on it; a KV key
// acquired with a session (KVLockRequest) is held until the session
// releases it or is destroyed. The session ID is drawn by the proposer.
// The catalog destroys a session inside the Apply that invalidates it: a
// check it depends on turns critical (an update or a registration), or
// that check, its service or its node is deregistered. A destroyed
// session's keys are released (Session cleared, LockIndex kept,
// ModifyIndex moved) or, with Behavior "delete", deleted; and each gets a
// lock-delay: no session may acquire it before the destroying command's
// Now plus the session's LockDelay. TTLs are the leader's business: it
// keeps a timer per session outside the catalog (a renew resets it and
// writes nothing to the log) and proposes a SessionDestroyRequest when one
// runs out. A key's LockIndex counts its acquisitions: it rises exactly
// when the key gets a new holder, so a holder can fence its writes with
// it. [LockChecker] checks these rules after every Apply in the property
// tests and the simulation.
//
// # Transactions (txn.go, kvview.go)
//
// A [TxnRequest] holds up to [MaxTxnOps] KV operations with the verbs of
// Consul's /v1/txn. They run in order against a kvView: the KV table
// overlaid with the writes of the operations before, which reach the
// table only if every operation succeeded. So a failed transaction changes
// nothing, moves no index and wakes nobody, and answers a [TxnError] per
// failed operation; a successful one commits its writes in key order at
// its Raft index. Lock and unlock commands run through a one-operation
// view, so the lock rules are written once.
//
// # Indexes (index.go, tombstone.go)
//
// The Raft index of the command that made a change stamps it: a row's
// CreateIndex and ModifyIndex, its table's index, the index of every node
// and service name it is visible through. Every read answers, beside its
// results, the index a blocking query should wait past: a KV read the
// newest ModifyIndex under its key or prefix, a service read the last
// change to that service's instances, their checks or their nodes, a table
// listing the table's index. Three rules hold:
//
//   - Never 0. A client that sends index=0 asks not to block, and
//     consul-template treats 0 as "start over", so an answer of 0 would
//     make clients spin. Answers are clamped to at least 1 (Raft's first
//     entry is never a command, so the clamp hides no change).
//   - Deletes leave tombstones. If deleting the newest key under app/ let
//     the prefix answer the next-newest key's index, the answer would move
//     back and a waiter would never see the delete. So a delete leaves a
//     tombstone (kvTombstones; for nodes and services the name's index
//     entry outlives them) that still counts. Tombstones cost memory, so
//     the leader later proposes a [ReapRequest]; after a reap, a KV read
//     answers at least the highest reaped tombstone (the floor), and a node
//     or service read without an entry answers the last applied index, so
//     no answer moves back.
//   - A restore moves indexes forward. Restoring a snapshot raises a local
//     floor to past everything answered before; a waiter's index never
//     runs ahead of the state.
//
// A returned index is not a promise of change (Consul's contract says the
// same): an answer may move when something unrelated under the same index
// did.
//
// # Watches (watch.go)
//
// A blocking query passes a [WatchSet] to its reads. Each read adds the one
// key it depended on (a table, a node, a service name, a KV key or a KV
// prefix) and gets that key's notifier, shared by every waiter on the key.
// Apply fires exactly the keys its change touched: a write to key
// app/config/x fires that key and each of its prefixes (len(key)+1 map
// lookups, skipped when no prefix is watched), so a watch on app/ wakes,
// and one on other/ does not. A change to a node or to a node-level check
// fires every service with an instance on that node, since the health view
// of those services shows it; a change to api fires nothing for web.
// Firing closes the notifier's channel (for goroutine-based drivers) and
// sets a flag (for single-threaded drivers, which poll [WatchSet.Fired]
// after Apply), and removes it from the registry. No goroutine or timer
// lives in the catalog: the caller owns the waiting and its timeout.
//
// Cost: Apply does one map lookup per touched key, whatever the number of
// waiters. Memory is one notifier (a channel and a flag, with its map
// entry) per distinct watched key, plus the caller's WatchSet (a slice
// header and one pointer per key): BenchmarkWatchMemory measures about 160
// bytes per watch for 100,000 watches on distinct keys and about 32 when
// they share one key. A notifier whose waiters gave up stays until its key
// changes, so the registry is bounded by the number of distinct keys ever
// watched, not by the number of queries.
//
// # Commands (command.go, decodekv.go, apply.go, errors.go)
//
// A command is one byte of version ([CommandVersion], now 1), one byte of
// operation code, then the request as JSON. JSON with a version header
// rather than a hand-written binary layout, because: the request types are
// nested (maps of tagged addresses, check definitions) and a binary codec
// for them would be several hundred lines to get right and to fuzz; a
// write costs a Raft round trip and an fsync; encoding/json writes map
// keys sorted, so encodings are deterministic; and the log stays readable
// when debugging. The version byte lets a later binary format coexist.
// Decode refuses unknown versions, operations and fields, and trailing
// bytes. Every server decodes every command, and encoding/json's strict
// decoding cost more than the rest of applying a KV write, so the KV
// set, check-and-set and delete have a fast path (decodekv.go) that reads
// exactly the form Encode writes and leaves every other input to the
// general path, which alone refuses.
//
// Apply returns a [Result] for every command: OK carries the answer of a
// KV write (false when a check-and-set or a lock lost), Err a refusal (a
// sentinel such as [ErrNodeNotFound], wrapped with detail), TxnResults and
// TxnErrors the answer of a transaction. Op codes are only ever added, and
// fields added to a request are omitted from its encoding while zero, so
// version 1 still encodes old commands byte for byte. A refused command
// changes nothing but still advances the applied index, since every server
// refuses it alike.
//
// # Snapshots (fsm.go, snapshot.go, tables.go)
//
// [State.Snapshot] is O(number of tables): it copies the table headers and
// marks every table shared. The first later write to a shared table copies
// that table's map and key chunks (O(rows in the table), once per table per
// snapshot), so the captured view stays intact while Apply goes on and
// WriteTo serialises it. Rows are never changed in place.
//
// The snapshot stream, version [SnapshotVersion] (3): the magic
// "cairncat", a big-endian uint16 version, then one section per registered
// table in registry order (uvarint-prefixed name, uvarint count, and that
// many uvarint-prefixed JSON records in key order), then a big-endian
// CRC-32C of every byte before it. [State.Restore] parses into a fresh
// state and swaps it in only if everything parsed, rows arrived in strict
// key order, references hold (a service's node exists) and the checksum
// matches; otherwise it returns an error wrapping [ErrBadSnapshot] and the
// state is untouched. Version 2 added the sessions and lock_delays
// sections, version 3 the acl_policies, acl_tokens and acl_bootstrap
// sections; an older stream is read without the sections it lacks, so a
// version 2 snapshot restores with empty ACL tables. The golden files pin
// the formats: testdata/snapshot-v3.bin and the commands-v1*.txt files
// decode and re-encode byte for byte, and testdata/snapshot-v1.bin and
// snapshot-v2.bin restore to exactly the state their histories build
// today. A format change
// bumps the version and adds golden files beside these, which stay and
// must still be read.
//
// # ACLs (acl.go, aclpolicies.go, acltokens.go, aclbootstrap.go, acltables.go)
//
// The catalog stores the ACL system's data; the acl package decides what
// it means. Policies are kept by ID with a unique name; tokens by
// AccessorID with a unique SecretID, the key of [State.ACLTokenBySecret],
// which is the lookup behind every request's token. The commands are as
// deterministic as the others: the proposer draws AccessorIDs and
// SecretIDs and sets Now, and Apply only checks and stores.
// [ACLInitRequest] (proposed by each new leader) creates the builtin
// global-management policy and the anonymous token if missing, and the
// acl.tokens.initial_management token. [ACLBootstrapRequest] decides with
// acl.CheckBootstrap: once, then only with the current reset index, which
// each bootstrap moves to its own Raft index, so the reset file allows
// exactly one more. A token links policies by ID; a link given by name is
// resolved on write, and a deleted policy's links stay in the row (as in
// Consul) but reads leave them out and resolution skips them. Reads show
// links under the policies' current names, so creating, renaming or
// deleting a policy touches the tokens table too. Each ACL read watches its whole
// table and answers the table's index. Secrets never appear in an error:
// tokens are named by AccessorID.
//
// In a secondary datacenter the leader copies the primary's policies and
// global tokens with [ACLReplicateRequest] (aclreplicate.go): one round's
// upserts and deletes, checked as a whole and applied at one index, with
// policy names checked against the state the batch leaves behind.
//
// # Prepared queries (query.go, query_template.go)
//
// A prepared query is a stored service lookup (service, tag and metadata
// filters, health rule, failover datacenters) that clients run by name or
// ID. The catalog stores and resolves them; the agent executes them.
// Names are unique (queryNames is the derived name → ID index), and a
// query bound to a session is deleted with the session, whichever way the
// session ends. [State.QueryResolve] finds a query by ID, then by exact
// name, then as the template whose name is the longest prefix of the name
// asked, rendered for that name (${name.full}, ${name.prefix},
// ${name.suffix}, ${match(N)}).
//
// # Autopilot settings (autopilot.go)
//
// Autopilot's settings (CleanupDeadServers, LastContactThreshold,
// MaxTrailingLogs, MinQuorum, ServerStabilizationTime) are one replicated
// record, so that every leader in turn follows the same ones. An
// [AutopilotSetRequest] replaces them, optionally as a check-and-set on
// their ModifyIndex; until the first one, reads answer
// [DefaultAutopilotConfig] at index 0.
//
// # Health (health.go)
//
// [AggregatedStatus] folds checks as Consul does: maintenance beats
// critical beats warning beats passing. [State.CheckServiceNodes] is the
// /v1/health/service view: each instance with its node, the node's
// node-level checks and the instance's own checks.
package catalog
