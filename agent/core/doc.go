// Package core holds the decisions of a cairn server agent, written against
// netsim.Env so that they run unchanged in the simulator and over real
// sockets (internal/osenv). It starts no goroutine and reads no wall clock:
// every method runs on the Env's loop, and time comes from the Env.
//
// A [Server] is one Raft server (raft/driver) whose state machine is the
// catalog (package catalog). It offers the agent's HTTP layer three things:
//
//   - Apply proposes an encoded catalog command and reports the catalog's
//     Result once the command is committed and applied. On a follower it
//     fails with a *driver.NotLeaderError: forwarding writes to the leader
//     comes with the RPC layer.
//   - ConsistentRead confirms leadership with a quorum (Raft's ReadIndex,
//     thesis §6.4) and reports when the local catalog has applied
//     everything committed before the call, so that a read served after it
//     is linearizable (Consul's ?consistent).
//   - QueryMeta reports what Consul's read headers carry: whether a leader
//     is known and how long ago this server heard from it.
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
// Files:
//   - server.go: Config, NewServer, Apply, ConsistentRead, Stop.
//   - leader.go: leadership information and the self-registration.
package core
