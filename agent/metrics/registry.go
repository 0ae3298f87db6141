package metrics

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
)

// Registry holds a set of metric families and writes them in the text
// exposition format. It is safe for concurrent use.
//
// Registering is idempotent for the same shape: asking again for a name
// with the same type, label names (in the same order) and, for a
// histogram, the same buckets returns the existing metric, so that two
// parts of the agent may both ask for "rpc_request"; the first help text
// is kept, and a GaugeFunc registered again takes the new function. Asking
// for a name
// already registered with another shape, an invalid metric or label name,
// or a name whose sample lines would collide with another family's (a
// counter "x_count" beside a histogram "x") is a programmer error and
// panics.
type Registry struct {
	prefix string

	mu       sync.Mutex
	families map[string]*family // by full name
	owners   map[string]string  // sample name -> the family that writes it
	scrape   map[string]func()  // run once before each scrape, by key
}

// NewRegistry returns an empty registry whose metric names all start with
// prefix and an underscore: with prefix "consul", Counter("raft_apply", ...)
// is exposed as consul_raft_apply. An empty prefix adds nothing.
func NewRegistry(prefix string) *Registry {
	if prefix != "" && !validMetricName(prefix) {
		panic(fmt.Sprintf("metrics: invalid prefix %q", prefix))
	}
	return &Registry{
		prefix:   prefix,
		families: make(map[string]*family),
		owners:   make(map[string]string),
		scrape:   make(map[string]func()),
	}
}

// register returns the family for name, creating it on first use, and
// panics on the programmer errors listed on Registry.
func (r *Registry) register(name, help string, k kind, labelNames []string, buckets []float64) *family {
	full := fullName(r.prefix, name)
	reserved := ""
	if k == histogramKind {
		reserved = "le"
	}
	checkLabelNames(full, labelNames, reserved)
	r.mu.Lock()
	defer r.mu.Unlock()
	if f, ok := r.families[full]; ok {
		if !f.sameShape(k, labelNames, buckets) {
			panic(fmt.Sprintf("metrics: %s registered again with another type, labels or buckets", full))
		}
		return f
	}
	f := newFamily(full, help, k, labelNames, buckets)
	for _, s := range f.sampleNames() {
		if owner, taken := r.owners[s]; taken {
			panic(fmt.Sprintf("metrics: %s: sample name %s is already written by %s", full, s, owner))
		}
	}
	for _, s := range f.sampleNames() {
		r.owners[s] = full
	}
	r.families[full] = f
	return f
}

// beforeScrape sets a function that runs once at the start of every scrape,
// before any gauge function is read; a second call with the same key
// replaces the first.
func (r *Registry) beforeScrape(key string, fn func()) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.scrape[key] = fn
}

// WriteText writes every family in the text exposition format 0.0.4:
// families sorted by name, each opened by its HELP and TYPE lines, its
// series sorted by label values. A family with labels but no series yet
// is left out. Gauge functions are called during the write, outside the
// registry's lock.
func (r *Registry) WriteText(w io.Writer) error {
	r.mu.Lock()
	families := make([]*family, 0, len(r.families))
	for _, f := range r.families {
		families = append(families, f)
	}
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
	slices.SortFunc(families, func(a, b *family) int { return strings.Compare(a.name, b.name) })
	bw := bufio.NewWriter(w)
	for _, f := range families {
		f.writeText(bw)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("metrics: write text exposition: %w", err)
	}
	return nil
}

// Handler returns an HTTP handler that answers GET and HEAD with the
// registry in the text format and Content-Type ContentType, and any other
// method with 405.
func (r *Registry) Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if req.Method != http.MethodGet && req.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "metrics: method not allowed", http.StatusMethodNotAllowed)
			return
		}
		var buf bytes.Buffer
		if err := r.WriteText(&buf); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", ContentType)
		// A failed write means the scraper went away; there is no one left
		// to tell, and it will scrape again.
		_, _ = w.Write(buf.Bytes())
	})
}
