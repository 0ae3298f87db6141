// Package netsim is cairn's deterministic simulator, and the contract that
// every node of cairn is written against.
//
// # Two worlds, one contract
//
// A cairn node (a Raft server, a SWIM member, a whole agent) never touches the
// operating system directly. It sees the world only through an [Env]: the
// current time, timers, a random source, datagrams, message streams and a
// disk. Two implementations of Env exist:
//
//   - this package, which runs many nodes on one goroutine with virtual time
//     and draws every choice (latency, loss, crashes, torn writes) from one
//     seeded PRNG, so that a seed is a complete, replayable test case;
//   - internal/osenv, which runs one node over real UDP and TCP sockets, real
//     timers and real files.
//
// The code between them is identical, so the code that survives ten thousand
// simulated partitions is the code that runs in production.
//
// # The caller's contract
//
// An Env calls into its node (timer callbacks, datagram handlers, stream
// handlers) one call at a time and never concurrently, so node code needs no
// locks. A callback must not block: it does its work and returns. Calls into
// the Env (Send, WriteTo, AfterFunc, disk writes) may be made from inside any
// callback.
//
//   - Time: [Env.Now] is the node's local clock. In the simulator it can drift
//     and be skewed against other nodes; a timer set for d fires after d of
//     the node's own local time. Time also passes while a node works: a slow
//     fsync advances the node's clock, and whatever the node sends after it
//     leaves later.
//   - Randomness: [Env.Rand] is the node's own seeded stream, for jitter and
//     choices. [Env.Entropy] is for secrets and IDs: crypto/rand in
//     production, a seeded stream in the simulator.
//   - Datagrams ([PacketConn]) may be lost, duplicated, reordered or delayed;
//     they are never corrupted (the simulator models corruption on disk only).
//   - Streams ([Stream]) carry whole messages, in order, exactly once, until
//     they break. A crash, a partition or Close breaks a stream on both ends:
//     each end's [StreamHandler.HandleClose] is called once, after which no
//     more messages arrive. A Dial that cannot connect ends the same way.
//   - Disk ([Disk], [File]): writes go to a cache and reach stable storage
//     only through [File.Sync]; a new, renamed or removed name becomes
//     durable only through [Disk.SyncDir]. At a crash the simulator may drop
//     anything not yet synced, keep part of the last unsynced write, or (as a
//     separate fault) flip a bit in a synced record. Code that needs a write
//     to survive must sync it, and must check what it reads back.
//
// After a crash the node's callbacks are never called again. A restart boots
// the node afresh (its boot function runs with a new Env) on the disk that
// survived.
package netsim
