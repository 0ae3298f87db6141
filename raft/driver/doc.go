// Package driver runs a Raft core (package raft) as a server: it is the loop
// "tick, step, take Ready, persist, send, apply, advance" that the core's
// documentation asks of its caller, written once against netsim.Env.
//
// In the simulator the Env is netsim's, with virtual time and a disk that
// loses unsynced writes at a crash; in production it is internal/osenv's,
// with real timers, TCP streams and files. The driver itself starts no
// goroutine: every callback it registers (the tick timer, stream messages,
// the batched processing of Ready) runs on the Env's one loop.
//
// Files:
//   - server.go: Config, Start, and the public requests (Propose, ReadIndex,
//     membership changes, leadership transfer, Bootstrap).
//   - ready.go: the processing of one Ready, in the order the core's
//     contract demands: early messages, apply, persist and fsync (beside
//     the loop), messages, Advance.
//   - pending.go: proposals and reads waiting for their outcome.
//   - transport.go: one outgoing stream per peer and the frames on it.
//   - recovery.go: outage recovery from an operator's peers.json.
//   - snapshot.go: taking snapshots of the state machine, compacting the
//     log behind them, and sending and installing snapshots (Raft §7).
//
// # Group commit
//
// Requests (proposals, incoming messages) only step the core and mark the
// server dirty; the Ready is processed by a zero-delay timer. Everything that
// arrived before that timer fires shares one Ready, so one fsync covers every
// entry appended since the last one.
//
// The fsync of a Ready's entries runs beside the loop (File.SyncAsync): the
// loop goes on decoding requests, stepping the core and serving reads while
// the disk works, and everything that arrives meanwhile is batched into the
// next Ready, whose fsync starts as soon as this one ends. Only what
// promises durability waits for it: the Ready's messages (a follower's
// acknowledgement, a vote) and Advance, which lets the leader count its own
// copy. Committed entries are applied before the fsync, since commitment
// already means a quorum has them on disk. A new term or vote is synced on
// the loop, as are snapshots received from a leader: they are rare, and
// their order matters.
//
// A snapshot of the local state machine is captured on the loop and its
// file written in the background (Env.Background): encoding and fsyncing
// a large state takes long enough to miss heartbeats. The log is compacted
// behind it once the file is durable, back on the loop; one snapshot is
// written at a time.
//
// # Snapshot transfer
//
// When the leader's core asks to send a snapshot (MsgSnap), the driver sends
// the newest snapshot file in chunks on the follower's stream, then the
// MsgSnap itself. The follower's driver buffers the chunks of that stream
// and, on the MsgSnap, steps it into its core; if the core asks to install
// it, the buffered file is stored through the WAL and the state machine is
// restored from it. A broken stream during a transfer is reported to the
// leader's core, which retries. The buffer holds the whole snapshot in
// memory on the receiving side.
package driver
