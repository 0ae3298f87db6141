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
// Files: node.go (start, the pump, timers), streams.go (stream exchanges),
// keyring.go (keyring persistence and rotation).
package driver
