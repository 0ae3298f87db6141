package metrics

import (
	"fmt"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	dto "github.com/prometheus/client_model/go"
)

// Registry holds cairn's metric families on top of a Prometheus registry
// (github.com/prometheus/client_golang), and writes them in both of
// Consul's formats: the Prometheus text exposition (Handler) and the JSON
// summary (Summary). It is safe for concurrent use.
//
// A nil *Registry is valid: it hands out nil metrics, whose methods do
// nothing. Code that records figures (agent/core in the simulator, say)
// can therefore run without metrics and without checks at each call site.
//
// Registering is idempotent for the same shape: asking again for a name
// with the same type, label names and, for a histogram, the same buckets
// returns the existing metric, so that two parts of the agent may both ask
// for "rpc.request"; the first help text is kept. Asking for a name already
// registered with another shape, or an invalid metric or label name, is a
// programmer error and panics.
type Registry struct {
	prefix  string
	prom    *prometheus.Registry
	started time.Time

	mu      sync.Mutex
	entries map[string]*entry // by dotted name, without the prefix
	scrape  map[string]func() // run once before each scrape, by key
}

// kind is the type of a metric family.
type kind uint8

const (
	counterKind kind = iota
	totalKind
	gaugeKind
	gaugeFuncKind
	histogramKind
)

// entry is one registered family: its shape, for the idempotence check,
// and what records into it.
type entry struct {
	name       string // dotted, with the prefix: the JSON name
	kind       kind
	labelNames []string
	buckets    []float64
	metric     any // *Counter, *Total, *Gauge, *Histogram or *funcValue
}

// NewRegistry returns an empty registry whose metric names all start with
// prefix: with prefix "consul", Counter("raft.apply", ...) is exposed to
// Prometheus as consul_raft_apply and in JSON as consul.raft.apply. An
// empty prefix adds nothing.
func NewRegistry(prefix string) *Registry {
	if prefix != "" {
		checkName(prefix)
	}
	return &Registry{
		prefix:  prefix,
		prom:    prometheus.NewRegistry(),
		started: time.Now(),
		entries: make(map[string]*entry),
		scrape:  make(map[string]func()),
	}
}

// register returns the entry for name, creating it with build on first use,
// and panics on the programmer errors listed on Registry.
func (r *Registry) register(name string, k kind, labelNames []string, buckets []float64, build func(promName string) (prometheus.Collector, any)) *entry {
	checkName(name)
	checkLabelNames(name, labelNames)
	r.mu.Lock()
	defer r.mu.Unlock()
	if e, ok := r.entries[name]; ok {
		if e.kind != k || !slices.Equal(e.labelNames, labelNames) || !slices.Equal(e.buckets, buckets) {
			panic(fmt.Sprintf("metrics: %s registered again with another type, labels or buckets", name))
		}
		return e
	}
	c, metric := build(joinName(r.prefix, name, "_"))
	if err := r.prom.Register(c); err != nil {
		panic(fmt.Sprintf("metrics: register %s: %v", name, err))
	}
	e := &entry{name: joinName(r.prefix, name, "."), kind: k, labelNames: slices.Clone(labelNames),
		buckets: slices.Clone(buckets), metric: metric}
	r.entries[name] = e
	return e
}

// BeforeScrape sets a function that runs once at the start of every
// scrape, in either format, before any gauge function is read: the place
// to read, in one go, figures that several gauges show. A second call with
// the same key replaces the first; hooks run in key order.
func (r *Registry) BeforeScrape(key string, fn func()) {
	if r == nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.scrape[key] = fn
}

// runHooks runs the BeforeScrape functions, outside the lock.
func (r *Registry) runHooks() {
	r.mu.Lock()
	keys := make([]string, 0, len(r.scrape))
	for k := range r.scrape {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	hooks := make([]func(), len(keys))
	for i, k := range keys {
		hooks[i] = r.scrape[k]
	}
	r.mu.Unlock()
	for _, h := range hooks {
		h()
	}
}

// Gather runs the BeforeScrape hooks and returns every family as the
// Prometheus client models it, sorted by name. It makes the Registry a
// prometheus.Gatherer.
func (r *Registry) Gather() ([]*dto.MetricFamily, error) {
	r.runHooks()
	mfs, err := r.prom.Gather()
	if err != nil {
		return mfs, fmt.Errorf("metrics: gather: %w", err)
	}
	return mfs, nil
}

// Handler returns an HTTP handler that answers with the registry in the
// Prometheus text exposition format (or another format the scraper asks
// for in its Accept header), through the Prometheus client's promhttp.
func (r *Registry) Handler() http.Handler {
	return promhttp.HandlerFor(r, promhttp.HandlerOpts{ErrorHandling: promhttp.ContinueOnError})
}
