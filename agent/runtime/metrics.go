package runtime

import (
	"net/http"
	"time"

	"github.com/cairn-sd/cairn/agent/metrics"
	"github.com/cairn-sd/cairn/raft"
	"github.com/cairn-sd/cairn/swim"
)

// The agent's metrics, served in Prometheus' text format at
// /v1/agent/metrics (Prometheus scrapes it with ?format=prometheus, as it
// does Consul). Names follow Consul's where Consul has the metric, under
// the prefix "consul" so that existing dashboards find them. Values that
// live on the loop are read at scrape time.

// metricsPrefix is the prefix of every metric name.
const metricsPrefix = "consul"

// agentMetrics are the metrics the agent updates as it serves.
type agentMetrics struct {
	registry *metrics.Registry
	http     *metrics.Histogram
}

// newMetrics registers the agent's metrics.
func (a *Agent) newMetrics() *agentMetrics {
	r := metrics.NewRegistry(metricsPrefix)
	m := &agentMetrics{registry: r,
		http: r.Histogram("api_http", "Time to serve an HTTP API request, in seconds, by method and endpoint.",
			metrics.DefaultDurationBuckets, "method", "path"),
	}
	metrics.RuntimeGauges(r)
	r.GaugeFunc("http_blocking_queries", "Blocking queries waiting for a change.", func() float64 { return float64(a.waiting.Load()) })
	r.GaugeFunc("serf_lan_members", "Members of the LAN pool that are alive.", func() float64 { return a.poolCount(swim.StateAlive) })
	r.GaugeFunc("serf_lan_members_failed", "Members of the LAN pool declared dead.", func() float64 { return a.poolCount(swim.StateDead) })
	r.GaugeFunc("agent_local_services", "Services registered on this agent.", func() float64 { return a.localCount(true) })
	r.GaugeFunc("agent_local_checks", "Checks registered on this agent.", func() float64 { return a.localCount(false) })
	if a.server != nil {
		a.raftMetrics(r)
	}
	return m
}

// raftMetrics registers a server's Raft gauges.
func (a *Agent) raftMetrics(r *metrics.Registry) {
	status := func(f func(raft.Status) float64) func() float64 {
		return func() float64 {
			var v float64
			a.env.Do(func() { v = f(a.server.Status()) })
			return v
		}
	}
	r.GaugeFunc("server_isLeader", "1 if this server leads its datacenter's Raft group.", status(func(st raft.Status) float64 {
		if st.Role == raft.Leader {
			return 1
		}
		return 0
	}))
	r.GaugeFunc("raft_term", "The current Raft term.", status(func(st raft.Status) float64 { return float64(st.HardState.Term) }))
	r.GaugeFunc("raft_commitIndex", "The highest log index known committed.", status(func(st raft.Status) float64 { return float64(st.HardState.Commit) }))
	r.GaugeFunc("raft_appliedIndex", "The highest log index applied to the catalog.", status(func(st raft.Status) float64 { return float64(st.Applied) }))
	r.GaugeFunc("raft_lastIndex", "The last index of the local log.", status(func(st raft.Status) float64 { return float64(st.LastIndex) }))
	wal := func(f func(syncs, entries uint64) float64) func() float64 {
		return func() float64 {
			var v float64
			a.env.Do(func() {
				_, ws := a.server.RaftStats()
				v = f(ws.Syncs, ws.EntriesAppended)
			})
			return v
		}
	}
	r.GaugeFunc("raft_wal_syncs_total", "fsyncs of the Raft log since start.", wal(func(s, _ uint64) float64 { return float64(s) }))
	r.GaugeFunc("raft_wal_entries_total", "Entries appended to the Raft log since start.", wal(func(_, e uint64) float64 { return float64(e) }))
}

// poolCount counts the pool's members in state.
func (a *Agent) poolCount(state swim.State) float64 {
	n := 0
	a.env.Do(func() {
		for _, m := range a.member.Members() {
			if m.State == state {
				n++
			}
		}
	})
	return float64(n)
}

// localCount counts the local services (or checks).
func (a *Agent) localCount(services bool) float64 {
	n := 0
	a.env.Do(func() {
		if services {
			n = len(a.local.Services())
		} else {
			n = len(a.local.Checks())
		}
	})
	return float64(n)
}

// observeHTTP records one request's duration under its route.
func (m *agentMetrics) observeHTTP(method, path string, start time.Time) {
	m.http.Observe(time.Since(start).Seconds(), method, path)
}

// agentMetricsHandler serves GET /v1/agent/metrics.
func (a *Agent) agentMetricsHandler(w http.ResponseWriter, r *http.Request, _ string) error {
	a.metrics.registry.Handler().ServeHTTP(w, r)
	return nil
}
