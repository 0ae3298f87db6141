// Package core holds the decisions of a cairn agent, written against
// netsim.Env so that they run unchanged in the simulator and over real
// sockets (internal/osenv). It starts no goroutine and reads no wall clock:
// every method runs on the Env's loop, and time comes from the Env.
//
// A [Server] is one Raft server (raft/driver) whose state machine is the
// catalog (package catalog). It offers the agent's HTTP layer four things:
//
//   - Apply proposes an encoded catalog command and reports the catalog's
//     Result once the command is committed and applied. A follower
//     forwards the command to the leader over agent/rpc (forward.go).
//   - ConsistentRead confirms leadership with a quorum (Raft's ReadIndex,
//     thesis §6.4) and reports when the local catalog has applied
//     everything committed before the call, so that a read served after it
//     is linearizable (Consul's ?consistent).
//   - QueryMeta reports what Consul's read headers carry: whether a leader
//     is known and how long ago this server heard from it.
//   - RenewSession restarts a session's TTL timer on the leader.
//
// A [Client] is a client agent: a member of the LAN pool without Raft. It
// finds the servers of its datacenter in the pool and sends each request
// to one of them, moving to another when a server cannot take it
// (route.go).
//
// Both kinds of agent keep a [Local] state: the services and checks
// registered on the agent itself, which anti-entropy keeps in the catalog
// (antientropy.go, diff.go), with TTL checks, the removal of services whose
// check stays critical (checktimers.go), and maintenance mode
// (maintenance.go).
//
// # Bootstrap and the server's own node
//
// With Bootstrap set (bootstrap_expect = 1, or -dev) a fresh server gives
// itself a one-voter configuration and elects itself. Once it leads, it
// registers its own node in the catalog with a passing serfHealth check,
// as Consul's leader does for every gossip member; until gossip exists this
// node is the only member. The registration is retried on a timer until it
// is committed, and again whenever this server becomes leader anew.
//
// # Session TTLs
//
// A session with a TTL dies when nobody renews it. Whether it is alive is
// not replicated state: as in Consul, only the leader keeps a timer per
// TTL session, set to twice the TTL, restarted by every renewal, and when
// one runs out it proposes the session's destruction, stamped with its own
// clock so that every server applies the same lock-delays. A new leader
// starts full timers for every session it finds, so a leader change can
// delay an expiry but never bring it forward, and no session is left
// without a timer. Commands whose effect depends on the time (every
// registration, deregistration and check update, which may destroy
// sessions) carry the proposer's clock in their Now field.
//
// Files:
//   - server.go: Config, NewServer, Apply, ConsistentRead, Stop.
//   - leader.go: leadership information and the self-registration.
//   - forward.go: forwarding writes, consistent reads and renewals to the
//     leader.
//   - bootstrap.go, gossip.go, reconcile.go: bootstrap_expect, the LAN
//     pool and the leader's mirroring of it into the catalog and Raft.
//   - sessionttl.go: the leader's session TTL timers.
//   - autopilot.go, autopilotrpc.go, autopilotcleanup.go: autopilot's
//     health of the Raft servers, judged on the leader from Raft's
//     progress and gossip and forwarded to followers, and the settings
//     that govern dead-server cleanup; autopilotinit.go: the leader seeds
//     the settings from the configuration file; autopilotgossip.go: the
//     gossip counters the UI shows.
//   - client.go, route.go: the client agent and how its requests find a
//     server.
//   - local.go, antientropy.go, diff.go, checktimers.go, maintenance.go:
//     the agent's local state and its sync to the catalog.
//   - acl.go, aclresolve.go, aclcache.go: ACL initialisation and
//     bootstrap on the leader; token resolution on servers and, with a
//     TTL cache under down_policy, on client agents.
//   - aclreplication.go, aclforward.go: a secondary datacenter's
//     replication of the primary's policies and global tokens, and the
//     forwarding of its global ACL writes to the primary.
//   - rpcauth.go: the token envelope every catalog RPC carries, and the
//     check a server makes of it.
//   - keyring.go: keyring operations across the LAN and WAN pools.
//   - metrics.go, metrics_events.go, metrics_disk.go: the Raft, gossip,
//     RPC and catalog figures the agent records for /v1/agent/metrics.
package core
