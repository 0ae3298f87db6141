package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"strings"
	"time"
)

// bench holds what every measurement shares.
type bench struct {
	opts  options
	agent *devAgent // nil when measuring an agent we did not start
	out   io.Writer
	value []byte
}

func newBench(opts options, agent *devAgent, out io.Writer) *bench {
	return &bench{opts: opts, agent: agent, out: out, value: make([]byte, opts.valueSize)}
}

func (b *bench) run(ctx context.Context, test string) error {
	switch test {
	case "machine":
		return b.machine()
	case "kv-put":
		return b.kvPut(ctx)
	case "kv-get":
		return b.kvGet(ctx)
	case "watch":
		return b.watch(ctx)
	}
	return fmt.Errorf("unknown measurement %q (known: machine, kv-put, kv-get, watch)", test)
}

// report prints one line: the measurement's name, then key=value pairs in
// the order given.
func (b *bench) report(name string, kv ...any) {
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
	fmt.Fprintln(b.out, sb.String())
}

// httpClient returns a keep-alive client allowed as many idle connections
// as there are workers, dialling from the given local address ("" = any).
func httpClient(conns int, local string, timeout time.Duration) *http.Client {
	d := &net.Dialer{Timeout: 5 * time.Second}
	if local != "" {
		d.LocalAddr = &net.TCPAddr{IP: net.ParseIP(local)}
	}
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

func (l latencies) quantile(q float64) time.Duration {
	if len(l) == 0 {
		return 0
	}
	s := slices.Clone(l)
	slices.Sort(s)
	return s[min(len(s)-1, int(q*float64(len(s))))]
}
