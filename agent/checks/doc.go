// Package checks runs the active health checks of a cairn agent: the HTTP
// and TCP checks registered on it, as Consul defines them.
//
// # What a check runner is
//
// Health checking in Consul is local. A service's health is not judged by
// the servers or by other nodes: the agent on the service's own machine
// probes it, and reports the result (a status and an output text) into its
// local state, from where anti-entropy carries it to the catalog. DNS and
// the health endpoints then leave critical instances out. A check runner
// is the part of the agent that does the probing: for each registered
// check it keeps a goroutine that waits, probes once, reports, and waits
// again, until the check is removed.
//
// Probing happens on the same machine as the service, so it measures the
// service itself and not the network between nodes; whether a node is
// reachable at all is the gossip layer's job (serfHealth), not this one's.
//
// # Consul's status rules
//
// A result has one of three states:
//
//   - HTTP check: a request to the URL (method GET unless Method says
//     otherwise, with the headers and body of the definition, User-Agent
//     "Consul Health Check" and Accept "text/plain, text/*, */*" unless
//     the headers set their own). Any 2xx answer is passing; 429 Too Many
//     Requests is warning, because the service is up but shedding load;
//     every other code, a transport error and a timeout are critical. The
//     output reads "HTTP GET <url>: 200 OK Output: <body>", keeping the
//     last 4 KiB of the body (Consul captures it in a circular buffer, so
//     it is the end of a long body that survives). Redirects are followed
//     as Go's HTTP client does by default, and each run opens a fresh
//     connection (no keep-alive), so that a server quietly closing an idle
//     connection cannot fail a healthy check.
//   - TCP check: a connection to host:port. If it opens within the
//     timeout the check passes with "TCP connect <addr>: Success" and the
//     connection is closed at once; otherwise it is critical, and the
//     output is the dial error.
//   - TTL checks (the service reports its own state and the check turns
//     critical when it falls silent) have no probe, and are handled
//     elsewhere in the agent.
//
// # Timing
//
// A check runs every Interval, never more often than MinInterval (1 s): a
// smaller interval is raised to it. The interval counts from the end of
// one run to the start of the next, so a slow service is never probed by
// two overlapping runs. Each run is bounded by Timeout (DefaultTimeout,
// 10 s, when unset). The first run waits a random stagger within the
// interval, so that an agent that restarts with hundreds of checks does
// not fire them all in the same instant.
//
// Stop cancels a check's request in flight through its context, so it
// returns at once even while a service hangs; a run cut short by Stop
// reports nothing. StopAll also waits for every goroutine to exit.
//
// This is real-world runtime code: it uses goroutines, real timers and
// sockets, and draws its stagger from the global random source. The
// deterministic core (raft, swim, catalog) never sees it; it sees only
// the results, through the agent.
//
// Header values may carry tokens, so they are never logged; neither is a
// check's output, which repeats the URL and the response body.
//
// Files:
//   - definition.go: Definition, its defaults and its validation.
//   - runner.go: Runner, Start/Stop/StopAll and the per-check loop.
//   - http.go: the HTTP probe, the status-code rule, the 4 KiB tail.
//   - tcp.go: the TCP probe.
package checks
