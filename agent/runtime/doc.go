// Package runtime runs a cairn agent in the real world: an osenv.Env (an
// event loop over real timers, sockets and files) carrying the agent's
// core.Server (Raft and the catalog), and Consul's HTTP API on net/http.
//
// # Two worlds and the bridge between them
//
// Everything in agent/core runs on the Env's one loop, as in the
// simulator. HTTP handlers run on net/http's goroutines and never touch
// the server directly: a write posts a closure to the loop (Env.Post) that
// proposes the command and answers on a channel (bridge.go); a read gets
// the leadership view in the same trip to the loop as its catch-up
// (blocking.go). The catalog reads themselves take the catalog's read
// lock, so handlers call them directly.
//
// # Blocking queries (blocking.go)
//
// Every read endpoint supports Consul's blocking queries: with ?index=N
// the handler reads the catalog with a WatchSet, and while the answer's
// index is not past N it waits on the WatchSet's channels, the ?wait
// timer (default 5 minutes, at most 10, plus up to wait/16 of jitter so
// that many watchers do not return at once) and the request's context,
// which ends when the client disconnects. A watch fires only for what the
// read depended on, so a write to service api does not wake a query on
// web. Every read answers X-Consul-Index (never 0), X-Consul-KnownLeader,
// X-Consul-LastContact and X-Consul-Effective-Consistency (headers.go).
// ?consistent first confirms leadership through Raft's ReadIndex; ?stale
// answers from the local catalog even without a leader; the default reads
// locally but needs a known leader.
//
// A query that has to wait on an HTTP/1.x connection is parked instead
// (park.go): it takes the connection over from net/http, gives up its
// goroutine and is woken, with every identical query, by one goroutine per
// watched notifier; relayed queries park at both ends. A watcher then
// costs about 6 KB of agent memory instead of 22.
//
// # Servers, clients and other datacenters
//
// A server agent answers from its own catalog; a follower forwards writes
// and consistent reads to the leader. A client agent serves its own
// endpoints (/v1/agent/*, events, its view of coordinates) from its local
// state and relays every other request whole to a server over RPC
// (relay.go), blocking queries included; a request with ?dc naming another
// datacenter is relayed to a server there across the WAN.
//
// # ACLs (aclauth.go, aclrules.go, aclapi.go, rpcauth.go)
//
// With acl.enabled every request's token (X-Consul-Token, a Bearer
// header, ?token=, else the agent's default token) is resolved, each route
// checks the permission Consul's rules give it, and lists are filtered to
// what the token may read. The token stays in the request's context, so a
// write forwarded to the leader carries it and the leader checks it again;
// RPCs from other agents are checked the same way (rpcauth.go), and the
// agent's own writes carry acl.tokens.agent (agenttoken.go).
//
// # Sessions, locks and transactions
//
// /v1/session/* creates, destroys, renews and reads sessions (session.go).
// The agent draws a session's ID (a random UUID) before proposing it, so
// the ID travels inside the command and every server stores the same one;
// it also stamps lock acquisitions, destructions and transactions with its
// clock, which the catalog measures lock-delays against. A renewal goes to
// the leader, which keeps the TTL timers (agent/core). PUT /v1/kv/<key>
// takes ?acquire= and ?release=, and /v1/txn applies a list of KV
// operations all or nothing (txn.go). The official client's api.Lock and
// api.Semaphore are built from these alone.
//
// Files:
//   - lifecycle.go: New, the data directory, listeners, bound-addresses.json
//     and Shutdown; nodeid.go: the persisted node ID.
//   - bridge.go: the calls from HTTP goroutines onto the loop.
//   - http.go: routing, method checks and body decoding; errors.go:
//     plain-text errors with Consul's statuses; connlimit.go: the 429 cap
//     on connections per client IP.
//   - params.go, headers.go, blocking.go: the common read machinery;
//     park.go, park_conn.go, park_hangup.go: parked blocking queries.
//   - kv.go, session.go, txn.go, catalog.go, health.go, status.go, agent.go (with
//     registration.go, and snakecase.go for snake_case bodies): the
//     endpoints by area.
//   - query.go, query_exec.go: prepared queries (/v1/query), executed by
//     the server that receives them, failing over to the nearest and the
//     listed datacenters across the WAN.
//   - relay.go, relaycancel.go: a client agent's relay of requests to a
//     server, the servers' side of it, and the stop of a relayed blocking
//     query whose caller left; agentlocal.go, agenthealth.go, agentconfig.go,
//     runners.go, reload.go: the agent's own services and checks, their
//     runners, and reload; watches.go: the config's watches.
//   - persist.go: API-registered services and checks, kept in data_dir.
//   - aclauth.go, aclrules.go, aclapi.go, agenttoken.go, rpcauth.go,
//     aclreplication.go: ACL resolution and enforcement, /v1/acl/*, the
//     agent's tokens, RPC checks and /v1/acl/replication.
//   - https.go, servertls.go: the HTTPS listener (alone when ports.http
//     is -1: APIURL is then https://) and which streams on the server
//     port must come over TLS.
//   - keyring.go: /v1/operator/keyring; operator.go: join, leave,
//     force-leave and /v1/operator/raft/*; snapshot.go: /v1/snapshot;
//     monitor.go: /v1/agent/monitor; events.go, eventapi.go: user events;
//     coordinate.go: /v1/coordinate/* and ?near; lock.go: the data dir's
//     lock, so that two agents never share one Raft log.
//   - dns.go, dnssource.go: the DNS interface and its sources: the local
//     catalog, reads relayed to a server, and other datacenters' catalogs
//     read across the WAN.
//   - pprof.go: Go's profiles at /debug/pprof/ with enable_debug.
//   - metrics.go, metrics_http.go: /v1/agent/metrics in Consul's JSON and
//     Prometheus' format, and the HTTP request metrics by route template.
//   - autopilot.go: /v1/operator/autopilot/{configuration,health,state}
//     in Consul's shapes; cairngossip.go: GET /v1/agent/cairn/gossip, a
//     cairn extension for the UI's cluster view (each gossip pool's
//     members by state, current suspects, and swim's probe, suspicion and
//     traffic counters; its doc comment gives the JSON).
package runtime
