package runtime

import (
	"net/http"
	"time"

	"go.uber.org/zap"

	"github.com/cairn-sd/cairn/agent/metrics"
)

// The agent's metrics, served at /v1/agent/metrics: Consul's JSON summary
// by default, the Prometheus text exposition with ?format=prometheus.
// Unlike Consul, which answers the Prometheus format only when
// telemetry.prometheus_retention_time is set, cairn always serves it; the
// key is accepted and has no effect. Names follow Consul's, under
// telemetry.metrics_prefix ("consul" by default), so that existing
// dashboards find them. The Raft, gossip, RPC and catalog figures are
// recorded by agent/core (metrics*.go there); this file adds the agent's
// own: HTTP requests (metrics_http.go), blocking queries, local services
// and checks, and the Go runtime.

// defaultMetricsPrefix is the prefix used when telemetry.metrics_prefix is
// not a valid metric name.
const defaultMetricsPrefix = "consul"

// agentMetrics are the metrics the agent updates as it serves.
type agentMetrics struct {
	registry *metrics.Registry
	http     *metrics.Histogram
}

// newMetrics registers the agent's metrics. The registry exists before the
// server or client starts, which records into it; their figures are read
// on the loop once per scrape.
func (a *Agent) newMetrics() *agentMetrics {
	prefix := a.cfg.Telemetry.MetricsPrefix
	if !metrics.ValidName(prefix) {
		a.logger.Warn("telemetry.metrics_prefix is not a valid metric name; using the default",
			zap.String("metrics_prefix", prefix), zap.String("default", defaultMetricsPrefix))
		prefix = defaultMetricsPrefix
	}
	r := metrics.NewRegistry(prefix)
	m := &agentMetrics{registry: r,
		http: r.Histogram("api.http", "Time to serve an HTTP API request, in seconds, by method, route template and status code.",
			metrics.DefaultDurationBuckets, "method", "route", "code"),
	}
	metrics.RuntimeGauges(r)
	r.GaugeFunc("http.blocking_queries", "Blocking queries waiting for a change.", func() float64 { return float64(a.waiting.Load()) })
	r.GaugeFunc("agent.local_services", "Services registered on this agent.", func() float64 { return a.localCount(true) })
	r.GaugeFunc("agent.local_checks", "Checks registered on this agent.", func() float64 { return a.localCount(false) })
	r.BeforeScrape("agent", a.recordFigures)
	return m
}

// recordFigures has the server or client copy its state into the
// registry, on the loop.
func (a *Agent) recordFigures() {
	a.env.Do(func() {
		switch {
		case a.server != nil:
			a.server.RecordFigures()
		case a.client != nil:
			a.client.RecordFigures()
		}
	})
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

// agentMetricsHandler serves GET /v1/agent/metrics: the JSON summary, or
// the Prometheus exposition with ?format=prometheus.
func (a *Agent) agentMetricsHandler(w http.ResponseWriter, r *http.Request, _ string) error {
	if r.URL.Query().Get("format") == "prometheus" {
		a.metrics.registry.Handler().ServeHTTP(w, r)
		return nil
	}
	summary, err := a.metrics.registry.Summary(time.Now())
	if err != nil {
		return err
	}
	writeJSON(w, r, summary)
	return nil
}
