// Package metrics counts what a cairn agent does and shows the figures the
// two ways Consul does at /v1/agent/metrics: as a JSON summary (the
// default) and, with ?format=prometheus, in Prometheus' text exposition
// format. Underneath it is the official Prometheus client,
// github.com/prometheus/client_golang; this package is the small layer the
// rest of the agent calls, so that a call site reads
//
//	rpcCalls.Inc("KVS.Apply", "ok")
//	appendLatency.ObserveDuration(took)
//
// and so that every metric of cairn is declared the same way, with
// Consul's name.
//
// # The model
//
// A metric family has a name, a help text, a type and a list of label
// names. Each combination of label values is one time series with its own
// value. The agent records into a series as things happen (a Raft entry
// appended, an RPC served); Prometheus scrapes the whole set every few
// seconds and keeps the history, so the agent only ever holds the current
// value. Three types cover cairn's needs:
//
//   - a counter only goes up (consul_raft_leader_changes); Prometheus
//     turns it into a rate and reads a drop as a restart; a Total is a
//     counter whose running total is kept elsewhere (the fsyncs the Raft
//     log counts) and copied in at scrape time;
//   - a gauge goes up and down (consul_raft_term, members in each state);
//     a gauge function is read only at scrape time, for figures kept
//     elsewhere;
//   - a histogram counts observations into buckets with fixed upper bounds
//     and keeps their sum and count (consul_api_http). Quantiles are
//     estimated on the Prometheus side, and, unlike quantiles computed in
//     the agent, buckets from several servers can be added together.
//
// Consul writes its timers as summaries, with quantile labels computed in
// the agent over a sliding window, and in milliseconds. cairn writes them
// as histograms in seconds: the names match, and a dashboard reads a
// quantile with histogram_quantile over the _bucket series instead of
// selecting a quantile label.
//
// # Names
//
// Names are written as Consul's telemetry writes them, in dotted parts
// under a prefix ("consul" by default, telemetry.metrics_prefix): the JSON
// summary shows "consul.raft.commitTime", and the exposition, where a
// name may not hold a dot, "consul_raft_commitTime" (names.go).
//
// A series, once created, lives as long as its registry and is written at
// every scrape. Label values must therefore come from bounded sets (RPC
// method names, route templates such as "/v1/kv/", member states), never
// from something unbounded such as a KV key, a raw URL path or a client
// address: that would leak data into the metrics and let any client
// create series without end.
//
// # The JSON summary
//
// Consul's JSON comes from go-metrics' in-memory sink, which aggregates
// each counter and timer over 10-second intervals: how many increments
// (or observations) there were, their sum, minimum, maximum, mean and
// standard deviation, and the rate per second. cairn keeps the same
// statistics since the agent started instead of per interval (moments.go),
// beside the Prometheus series, so Rate is the sum per second since start.
// Gauges carry their current value. The field names and nesting are
// Consul's, so the official Go client's Agent().Metrics() decodes them
// (summary.go).
//
// # Programmer errors
//
// Registering a name again with another type, other label names or other
// buckets, invalid names, a counter decreasing, and a wrong number of label
// values all panic: each is a bug in the calling code, found on its first
// run. Nothing that comes from the network or a user (label values) can
// make this package panic; invalid UTF-8 in a label value is replaced.
//
// Files:
//   - registry.go: Registry, registration, scrape hooks, Gather and the
//     HTTP handler of the exposition.
//   - counter.go, gauge.go, histogram.go: the metric types.
//   - moments.go: per-series statistics for the JSON summary.
//   - summary.go: Consul's JSON shape.
//   - runtime.go: the Go runtime gauges Consul exposes.
//   - names.go: name rules, dotted and underscored names, label values.
package metrics
