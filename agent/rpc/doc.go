// Package rpc is cairn's request/response protocol between agents, on the
// servers' port (Consul's ports.server, 8300), and the multiplexer that
// shares that port with Raft.
//
// A client agent sends every catalog, KV and health request to a server; a
// follower forwards writes and consistent reads to the leader; a server
// forwards a request for another datacenter across the WAN. All of those
// are one call: a method name and an opaque body out, a body or an error
// back, with a deadline. The retry policy (which server next, how long to
// keep trying during an election) belongs to the caller, agent/core.
//
// Like the rest of cairn's nodes, this package is written against
// netsim.Env: it starts no goroutine and reads no clock, so whole agents
// calling each other run in the simulator exactly as on real sockets.
//
// # Wire format (version 1)
//
// Every stream dialled to the server port starts with one message of one
// byte naming the protocol: ProtoRaft or ProtoRPC. Mux reads it and hands
// the stream to Raft's or RPC's handler. On an RPC stream each message is
//
//	byte     version = 1
//	byte     kind: 1 request, 2 response
//	uvarint  call ID, chosen by the client, unique per stream
//	request:  uvarint length + method name, then the body
//	response: uvarint length + error text ("" for success), then the body
//
// Calls are pipelined: a client keeps one stream per server address and
// matches responses to calls by ID, in any order.
//
// Files: wire.go (the encoding), client.go, server.go, mux.go, observe.go
// (the hook through which the agent times every call it serves).
package rpc
