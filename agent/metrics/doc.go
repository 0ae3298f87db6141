// Package metrics counts what a cairn agent does and exposes the figures
// to Prometheus, as Consul does at /v1/agent/metrics?format=prometheus.
//
// # The model
//
// A metric family has a name, a help text, a type and a list of label
// names. Each combination of label values is one time series with its own
// value. The agent records into a series as things happen (a Raft entry
// applied, an RPC served); Prometheus scrapes the whole set every few
// seconds and keeps the history, so the agent only ever holds the current
// value. Three types cover cairn's needs:
//
//   - a counter only goes up (consul_raft_apply, consul_rpc_request);
//     Prometheus turns it into a rate and reads a drop as a restart;
//   - a gauge goes up and down (consul_runtime_num_goroutines); a gauge
//     function is read only at scrape time, for figures kept elsewhere;
//   - a histogram counts observations into buckets with fixed upper bounds
//     and keeps their sum and count (consul_raft_commitTime). Quantiles are
//     estimated on the Prometheus side, and, unlike quantiles computed in
//     the agent, buckets from several servers can be added together.
//
// Consul itself writes its timers as summaries, with quantile labels
// computed in the agent over a sliding window, and in milliseconds. cairn
// writes them as histograms in seconds: the names match, and a dashboard
// reads a quantile with histogram_quantile over the _bucket series instead
// of selecting a quantile label.
//
// # The text exposition format, version 0.0.4
//
// A scrape returns UTF-8 text with Content-Type
// "text/plain; version=0.0.4; charset=utf-8", one item per line, each line
// ended by a line feed:
//
//	# TYPE consul_raft_commitTime histogram
//	consul_raft_commitTime_bucket{le="0.001"} 4
//	consul_raft_commitTime_bucket{le="0.01"} 9
//	consul_raft_commitTime_bucket{le="+Inf"} 10
//	consul_raft_commitTime_sum 0.0472
//	consul_raft_commitTime_count 10
//	# HELP consul_rpc_request Count of RPC requests served.
//	# TYPE consul_rpc_request counter
//	consul_rpc_request{method="KVS.Apply"} 12
//	consul_rpc_request{method="Status.Leader"} 3
//
// The rules this package keeps:
//
//   - Names. A metric name matches [a-zA-Z_:][a-zA-Z0-9_:]* and a label name
//     [a-zA-Z_][a-zA-Z0-9_]*; label names starting with "__" are reserved by
//     Prometheus, and "le" by histogram buckets. Invalid names panic at
//     registration, since they are written in the code, not read from input.
//   - HELP and TYPE. Each family opens with at most one "# HELP name text"
//     line (backslash and line feed escaped as \\ and \n) and one
//     "# TYPE name type" line, before its first sample; all lines of a
//     family form one uninterrupted group.
//   - Samples. "name{label="value",...} value". A label value may hold any
//     UTF-8 text, with backslash, double quote and line feed escaped as \\,
//     \" and \n; label values often come from users (service and node
//     names), so invalid UTF-8 is replaced rather than passed on. Values are
//     written as Go's strconv.ParseFloat reads them, including +Inf, -Inf
//     and NaN. No sample carries a timestamp: the scrape time is used.
//   - Histograms. A histogram x is written as cumulative x_bucket samples,
//     one per upper bound in increasing order, each with an "le" label, then
//     a bucket le="+Inf" that counts every observation, then x_sum and
//     x_count; the +Inf bucket equals x_count.
//   - Order. Families are sorted by name and series by label values, so two
//     scrapes of the same state give the same bytes.
//
// # Why cairn ships its own
//
// The official client, prometheus/client_golang, brings protobuf, several
// modules and a large API with it; Consul reaches Prometheus through
// armon/go-metrics and its sinks. cairn needs a few counters, gauges and
// histograms and one text encoder, which fit in a few hundred lines that
// can be read in one sitting and tested line by line against the format.
// Recording is lock-free once a series exists (atomics on float64 bits);
// creating a series and scraping take short locks.
//
// A series, once created, lives as long as its registry, and each one is
// written at every scrape. Label values should therefore come from bounded
// sets (RPC method names, the services registered on this agent), never
// from something unbounded such as a KV key or a client address.
//
// # Programmer errors
//
// Registering a name again with another type, other label names or other
// buckets, invalid names, a counter decreasing, and a wrong number of label
// values all panic: each is a bug in the calling code, found on its first
// run. Nothing that comes from the network or a user (label values, help
// text) can make this package panic.
//
// Files:
//   - registry.go: Registry, registration, WriteText and the HTTP handler.
//   - family.go: a metric family, its series and how it is written.
//   - series.go: one series, its atomic float, the series key.
//   - counter.go, gauge.go, histogram.go: the three metric types.
//   - runtime.go: the Go runtime gauges Consul exposes.
//   - names.go: metric and label name rules.
//   - text.go: escaping and the line writers of the text format.
package metrics
