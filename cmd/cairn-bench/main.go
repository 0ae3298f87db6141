// Command cairn-bench measures a cairn (or Consul) cluster through its HTTP
// API and prints one line of figures per measurement, in a stable
// key=value form that scripts can parse:
//
//	bench=kv-put clients=64 ops=81234 ops_per_sec=8123.4 p50_ms=7.1 p99_ms=14.2 p999_ms=30.5
//
// Beside the cluster's figures it measures the machine's own limits with
// the same program: fsyncs per second of a directory's disk and the
// loopback round trip, so that a result can be read against its floor.
//
// It either targets a running agent (-addr) or starts one (-start, which
// runs `cairn agent -dev` on free ports and stops it at the end). No figure
// is an assertion: the program reports, it does not judge.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"time"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// options are the command-line settings.
type options struct {
	addr      string
	start     string
	tests     []string
	clients   []int
	duration  time.Duration
	valueSize int
	watchers  []int
	dataDir   string
	sources   []string
}

func run(args []string, stdout, stderr io.Writer) int {
	opts, err := parseFlags(args, stderr)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		fmt.Fprintf(stderr, "cairn-bench: %v\n", err)
		return 1
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	var agent *devAgent
	if opts.start != "" {
		agent, err = startDevAgent(ctx, opts.start)
		if err != nil {
			fmt.Fprintf(stderr, "cairn-bench: %v\n", err)
			return 1
		}
		defer agent.stop()
		opts.addr = agent.httpAddr
	}
	b := newBench(opts, agent, stdout)
	for _, test := range opts.tests {
		if err := b.run(ctx, test); err != nil {
			fmt.Fprintf(stderr, "cairn-bench: %s: %v\n", test, err)
			return 1
		}
	}
	return 0
}

func parseFlags(args []string, stderr io.Writer) (options, error) {
	fs := flag.NewFlagSet("cairn-bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var o options
	tests := fs.String("tests", "machine,kv-put,kv-get,watch", "measurements to run, comma-separated: machine, kv-put, kv-get, watch")
	clients := fs.String("clients", "1,16,64,256", "concurrent clients for kv-put and kv-get")
	watchers := fs.String("watchers", "1000,10000", "blocked watchers for the fan-out measurement")
	sources := fs.String("source-addrs", "127.0.0.1,127.0.0.2,127.0.0.3,127.0.0.4,127.0.0.5", "loopback source addresses to spread watcher connections over")
	fs.StringVar(&o.addr, "addr", "127.0.0.1:8500", "HTTP address of the agent to measure")
	fs.StringVar(&o.start, "start", "", "path of a cairn binary: start `cairn agent -dev` on free ports and measure it")
	fs.DurationVar(&o.duration, "duration", 10*time.Second, "how long each throughput measurement runs")
	fs.IntVar(&o.valueSize, "value-size", 128, "KV value size in bytes")
	fs.StringVar(&o.dataDir, "fsync-dir", os.TempDir(), "directory whose disk the machine measurement fsyncs on")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	var err error
	o.tests = splitList(*tests)
	o.sources = splitList(*sources)
	if o.clients, err = intList(*clients); err != nil {
		return o, fmt.Errorf("-clients: %w", err)
	}
	if o.watchers, err = intList(*watchers); err != nil {
		return o, fmt.Errorf("-watchers: %w", err)
	}
	if o.duration <= 0 || o.valueSize < 0 {
		return o, errors.New("-duration must be positive and -value-size not negative")
	}
	return o, nil
}

func splitList(s string) []string {
	var out []string
	for _, part := range strings.Split(s, ",") {
		if part = strings.TrimSpace(part); part != "" {
			out = append(out, part)
		}
	}
	return out
}

func intList(s string) ([]int, error) {
	var out []int
	for _, part := range splitList(s) {
		var n int
		if _, err := fmt.Sscanf(part, "%d", &n); err != nil || n <= 0 {
			return nil, fmt.Errorf("%q is not a positive number", part)
		}
		out = append(out, n)
	}
	return out, nil
}
