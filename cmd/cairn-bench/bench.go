package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/cairn-sd/cairn/agent/runtime"
)

// bench holds what every measurement shares.
type bench struct {
	opts    options
	cluster *cluster // nil when measuring an agent we did not start
	out     io.Writer
	value   []byte
	// peak is the highest RSS sampled while a throughput measurement
	// ran, by agent name.
	peakMu sync.Mutex
	peak   map[string]int64
	// nofile is the open-file limit of this program and of the agents it
	// started, which caps the watchers one agent can hold.
	nofile uint64
}

func newBench(opts options, c *cluster, out io.Writer) *bench {
	return &bench{opts: opts, cluster: c, out: out, value: make([]byte, opts.valueSize), peak: map[string]int64{}}
}

// measurements are the names -tests accepts, in their usual order.
var measurements = []string{"machine", "kv-put", "kv-get", "catalog", "dns", "watch", "failover", "memory"}

func (b *bench) run(ctx context.Context, test string) error {
	switch test {
	case "machine":
		return b.machine()
	case "kv-put":
		return b.kvPut(ctx)
	case "kv-get":
		return b.kvGet(ctx)
	case "catalog":
		return b.catalogRegister(ctx)
	case "dns":
		return b.dnsQueries(ctx)
	case "watch":
		return b.watch(ctx)
	case "failover":
		return b.failover(ctx)
	case "memory":
		return b.memory()
	}
	return fmt.Errorf("unknown measurement %q (known: %s)", test, strings.Join(measurements, ", "))
}

// targets are the agents the load goes to: -addr when measuring an agent
// we did not start, otherwise the -target of the cluster we started.
func (b *bench) targets(ctx context.Context) ([]*proc, error) {
	if b.cluster == nil {
		return []*proc{{name: "target", addrs: runtime.BoundAddresses{HTTP: b.opts.addr, DNS: b.opts.dnsAddr}}}, nil
	}
	c := b.cluster
	leader, err := c.leader(ctx, time.Minute)
	if err != nil {
		return nil, err
	}
	switch b.opts.target {
	case "leader":
		return []*proc{c.servers[leader]}, nil
	case "follower":
		for i, s := range c.servers {
			if i != leader && s.alive() {
				return []*proc{s}, nil
			}
		}
		return nil, fmt.Errorf("no live follower")
	case "client":
		if c.client == nil {
			return nil, fmt.Errorf("-target client needs -client-agent")
		}
		return []*proc{c.client}, nil
	}
	return c.servers, nil
}

// httpAddrs are the HTTP addresses of agents.
func httpAddrs(ps []*proc) []string {
	var out []string
	for _, p := range ps {
		out = append(out, p.addrs.HTTP)
	}
	return out
}

// report prints one line: the measurement's name, then key=value pairs in
// the order given.
func (b *bench) report(name string, kv ...any) {
	fmt.Fprintln(b.out, formatReport(name, kv...))
}

// formatReport renders a report line: floats with two decimals, durations
// in milliseconds with three, anything else as %v.
func formatReport(name string, kv ...any) string {
	var sb strings.Builder
	fmt.Fprintf(&sb, "bench=%s", name)
	for i := 0; i+1 < len(kv); i += 2 {
		switch v := kv[i+1].(type) {
		case float64:
			fmt.Fprintf(&sb, " %s=%.2f", kv[i], v)
		case time.Duration:
			fmt.Fprintf(&sb, " %s=%.3f", kv[i], float64(v.Microseconds())/1000)
		default:
			fmt.Fprintf(&sb, " %s=%v", kv[i], v)
		}
	}
	return sb.String()
}

// mib renders a byte count in MiB with one decimal, "unknown" for 0.
func mib(n int64) string {
	if n <= 0 {
		return "unknown"
	}
	return fmt.Sprintf("%.1f", float64(n)/(1<<20))
}

// httpClient returns a keep-alive client allowed as many idle connections
// as there are workers.
func httpClient(conns int, timeout time.Duration) *http.Client {
	d := &net.Dialer{Timeout: 5 * time.Second}
	return &http.Client{
		Timeout: timeout,
		Transport: &http.Transport{
			DialContext:         d.DialContext,
			MaxIdleConns:        conns,
			MaxIdleConnsPerHost: conns,
			MaxConnsPerHost:     conns,
			IdleConnTimeout:     time.Minute,
		},
	}
}

// latencies summarises a set of durations.
type latencies []time.Duration

// quantile is the q-quantile (0 <= q <= 1): the element at 0-based rank
// floor(q·n) of the sorted set, the largest one for q = 1.
func (l latencies) quantile(q float64) time.Duration {
	if len(l) == 0 {
		return 0
	}
	s := slices.Clone(l)
	slices.Sort(s)
	return s[min(len(s)-1, int(q*float64(len(s))))]
}
