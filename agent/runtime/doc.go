// Package runtime runs a cairn agent in the real world: an osenv.Env (an
// event loop over real timers, sockets and files) carrying the agent's
// core.Server (Raft and the catalog), and Consul's HTTP API on net/http.
//
// # Two worlds and the bridge between them
//
// Everything in agent/core runs on the Env's one loop, as in the
// simulator. HTTP handlers run on net/http's goroutines and never touch
// the server directly: a write posts a closure to the loop (Env.Post) that
// proposes the command and answers on a channel (bridge.go); leadership
// information is fetched with Env.Do. Catalog reads are the exception:
// they take the catalog's read lock, so handlers call them directly.
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
// # What is not built yet
//
// The /v1/agent service and check endpoints write straight to the catalog
// through Raft: the agent's local state, anti-entropy and check runners
// (HTTP, TCP, TTL expiry) come later, and TTL checks keep the status they
// were last given. Only a single server runs: bootstrap_expect > 1, client
// agents and ACLs are refused at start (errors.go), ?dc naming another
// datacenter answers "No path to datacenter".
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
//   - params.go, headers.go, blocking.go: the common read machinery.
//   - kv.go, session.go, txn.go, catalog.go, health.go, status.go, agent.go (with
//     registration.go, and snakecase.go for snake_case bodies): the
//     endpoints by area.
//   - query.go, query_exec.go: prepared queries (/v1/query), executed by
//     the server that receives them, failing over to the nearest and the
//     listed datacenters across the WAN.
//   - dns.go, dnssource.go: the DNS interface and its sources: the local
//     catalog, reads relayed to a server, and other datacenters' catalogs
//     read across the WAN.
//   - metrics.go, metrics_http.go: /v1/agent/metrics in Consul's JSON and
//     Prometheus' format, and the HTTP request metrics by route template.
//   - autopilot.go: /v1/operator/autopilot/{configuration,health,state}
//     in Consul's shapes; cairngossip.go: GET /v1/agent/cairn/gossip, a
//     cairn extension for the UI's cluster view (each gossip pool's
//     members by state, current suspects, and swim's probe, suspicion and
//     traffic counters; its doc comment gives the JSON).
package runtime
