// Package osenv implements netsim's Env over the operating system: real
// timers, UDP and TCP sockets, and files under a data directory.
//
// The contract is the one netsim documents: the node's callbacks run one at a
// time. Here that is done with an event loop, one goroutine that runs every
// callback (timer, datagram, stream event, or a closure handed in with Do) in
// the order they were posted. Socket readers and writers, and timers, run on
// goroutines of their own and only post closures to the loop, so node code
// written for the simulator runs unchanged and without locks.
//
// Files:
//   - env.go: the Env, its clock, random sources and logger.
//   - loop.go: the event loop and timers.
//   - disk.go: Disk and File over os files, with fsync of files and directories.
//   - network.go, stream.go: datagrams over UDP, and message streams over TCP,
//     each message framed by a 4-byte big-endian length.
//   - tls.go: TLS for the streams of RPC and Raft on the server port, told
//     from gossip's by their first message; with verify_incoming, a peer
//     without a certificate from the CA is refused and the log says why.
package osenv
