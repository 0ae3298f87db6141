// Package driver runs a swim.Member over a netsim.Env: the same code runs a
// gossip pool inside the simulator and on real sockets.
//
// The member is a pure state machine; the driver is the loop around it:
//
//   - datagrams that arrive on the node's UDP port go to Member.Step;
//   - stream requests the member asks for are dialled, their one reply goes
//     to Member.StreamReply, a failure or a timeout to Member.StreamFailed;
//   - incoming streams are answered with Member.HandleStream;
//   - one timer, armed at Member.NextDeadline, calls Member.Tick;
//   - after every call into the member, its Ready is drained: packets are
//     written, streams dialled, events handed to the node's callbacks, and
//     the timer re-armed if the deadline moved earlier.
//
// The driver also owns the keyring file in the data directory. It is written
// atomically (temporary file, Sync, Rename, SyncDir), so that a node that
// restarts after a key rotation comes back with the keys in use, not the
// `encrypt` key it was first configured with.
//
// Given a RetryJoin list (Consul's retry_join), the node joins through it at
// start and retries every RetryJoinInterval until it knows another alive
// member, so that the nodes of a pool may boot in any order.
//
// Keyring queries (Node.KeyringQuery) run an install, use, remove or list
// on every member of the pool through gossip; a keyring a query changed is
// saved before the answer that reports the change is sent.
//
// Files: node.go (start, the pump, timers), streams.go (stream exchanges),
// join.go (retry join), keyring.go (keyring persistence and rotation),
// keyquery.go (pool-wide keyring queries and their results).
//
// The tests run pools in netsim (cluster_test.go, sim_test.go,
// faults_test.go, join_test.go) and five members over real UDP and TCP
// sockets on 127.0.0.1 through internal/osenv (realnet_test.go). Package
// cmd/swim-bench measures detection times, traffic and false positives at
// larger sizes.
package driver
