// Command cairn is the single binary of cairn: it runs an agent and, as a
// client of an agent's HTTP API, carries out the operator's commands. Its
// verbs and flags follow Consul's CLI.
//
// Each subcommand is a function from arguments and output streams to an
// exit code, so that tests run it in-process.
//
// # Client commands
//
// Every command other than agent, keygen, validate, version and completion
// is a thin client of one agent's /v1 HTTP API, written with plain
// net/http rather than Consul's Go client so that each request can be read
// in a few lines. The agent is found at -http-addr, else CAIRN_HTTP_ADDR,
// else CONSUL_HTTP_ADDR, else 127.0.0.1:8500 (host:port, an http(s) URL,
// or unix:///path); the ACL token comes from -token, -token-file, the
// *_HTTP_TOKEN_FILE and then the *_HTTP_TOKEN variables and travels in the
// X-Consul-Token header; commands that reach the servers also take
// -datacenter (sent as ?dc=) and -stale.
//
// Output and errors copy Consul's CLI: the same tables, the same success
// lines, and on failure one line on stderr, "<what failed>: Unexpected
// response code: <status> (<body>)", with exit code 1. An agent that
// cannot be reached gives "Error connecting to cairn agent at <addr>:
// <reason>". Bad usage prints the problem and the command's usage, exit 1.
//
// Files:
//
//	main.go        the dispatcher table: one line per command
//	subcommand.go  flag sets, usage text, groups of subcommands (kv, catalog, operator raft)
//	client.go      the HTTP client: address, token, dc, error decoding
//	table.go       Consul's column layout for tables
//	kv.go          kv get;  kvwrite.go: kv put, kv delete;  kvexport.go: kv export, kv import
//	snapshot.go    snapshot save (written atomically), snapshot restore
//	monitor.go     monitor: the agent's log as a stream
//	acl.go         acl bootstrap, -format;  aclpolicy.go, acltoken.go: acl policy|token create, list,
//	               read, delete;  aclupdate.go: their update;  aclid.go: short -id prefixes
//	members.go     members;  join.go: join;  agentctl.go: leave, reload, force-leave
//	catalog.go     catalog datacenters, nodes, services
//	operator.go    operator raft list-peers, remove-peer
//	event.go, info.go, maint.go, rtt.go (Vivaldi distance), completion.go (bash, zsh, fish)
//	blocking.go    blocking queries: ?index=, X-Consul-Index, the reset when an index goes backwards
//	lock.go        lock: session, acquire, run the child while held, release
//	locksession.go the lock's session (create, renew every TTL/2, destroy) and its KV reads and writes
//	lockmutex.go   Consul's leader-election lock on PREFIX/.lock, and the lock monitor
//	semaphore.go   Consul's semaphore: contender keys PREFIX/<session> and the holder document
//	child.go       a child process in its own group, stopped with SIGTERM then SIGKILL
//	watch.go       watch: the blocking-query loop, change detection, backoff, handlers
//	watchquery.go  the query of each watch type and the handler's data
//
// # Locks and watches
//
// cairn lock and cairn watch are built from the HTTP API alone, as
// Consul's are, and keep Consul's key layout and flag values, so that
// they share a prefix with Consul's api.Lock and api.Semaphore. A lock
// is only as good as its holder's knowledge that it still holds it:
// lock watches the key and renews the session while the child runs, and
// stops the child as soon as either says the lock is gone. That still
// leaves a window in which a child that was paused acts on a lock it has
// lost, which only a fencing check where the child acts (the key's
// LockIndex, or its Session) can close.
package main
