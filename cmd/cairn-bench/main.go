package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// options are the command-line settings.
type options struct {
	addr           string
	dnsAddr        string
	start          string
	cluster        string
	clientAgent    bool
	target         string
	tests          []string
	clients        []int
	duration       time.Duration
	valueSize      int
	watchers       []int
	dataDir        string
	sources        []string
	failoverTrials int
	profileDir     string
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
	// Agents started below inherit the raised limit.
	nofile := raiseFileLimit()
	c, err := startAgents(ctx, opts)
	if c != nil {
		defer c.stop()
	}
	if err != nil {
		fmt.Fprintf(stderr, "cairn-bench: %v\n", err)
		return 1
	}
	b := newBench(opts, c, stdout)
	b.nofile = nofile
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
	tests := fs.String("tests", "machine,kv-put,kv-get,catalog,dns,watch", "measurements to run, comma-separated, from: "+strings.Join(measurements, ", ")+" (failover and memory need -cluster)")
	clients := fs.String("clients", "1,16,64,256", "concurrent clients for kv-put and kv-get")
	watchers := fs.String("watchers", "1000,10000", "blocked watchers for the fan-out measurement")
	sources := fs.String("source-addrs", "127.0.0.1,127.0.0.2,127.0.0.3,127.0.0.4,127.0.0.5", "loopback source addresses to spread watcher connections over")
	fs.StringVar(&o.addr, "addr", "127.0.0.1:8500", "HTTP address of the agent to measure")
	fs.StringVar(&o.dnsAddr, "dns-addr", "127.0.0.1:8600", "DNS address of the agent given by -addr")
	fs.StringVar(&o.start, "start", "", "path of a cairn binary: start `cairn agent -dev` on free ports and measure it")
	fs.StringVar(&o.cluster, "cluster", "", "path of a cairn binary: start three servers in the seed's layout on 127.0.0.1 and measure them")
	fs.BoolVar(&o.clientAgent, "client-agent", false, "with -cluster, start a client agent beside the servers too")
	fs.StringVar(&o.target, "target", "leader", "with -cluster, where the load goes: leader, follower, all (the three servers in turn) or client")
	fs.IntVar(&o.failoverTrials, "failover-trials", 5, "leader kills in the failover measurement")
	fs.DurationVar(&o.duration, "duration", 10*time.Second, "how long each throughput measurement runs")
	fs.IntVar(&o.valueSize, "value-size", 128, "KV value size in bytes")
	fs.StringVar(&o.dataDir, "fsync-dir", os.TempDir(), "directory whose disk the machine measurement fsyncs on")
	fs.StringVar(&o.profileDir, "cpu-profile", "", "with -cluster, save a CPU profile of every agent for each kv-put and kv-get run in this `directory`")
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
	if o.duration <= 0 || o.valueSize < 0 || o.failoverTrials <= 0 {
		return o, errors.New("-duration and -failover-trials must be positive and -value-size not negative")
	}
	if !slices.Contains([]string{"leader", "follower", "all", "client"}, o.target) {
		return o, fmt.Errorf("-target %q is not leader, follower, all or client", o.target)
	}
	if o.profileDir != "" && o.cluster == "" {
		return o, errors.New("-cpu-profile needs -cluster")
	}
	if o.target == "client" && !o.clientAgent {
		return o, errors.New("-target client needs -client-agent")
	}
	if o.start != "" && o.cluster != "" {
		return o, errors.New("-start and -cluster exclude each other")
	}
	for _, t := range o.tests {
		if !slices.Contains(measurements, t) {
			return o, fmt.Errorf("unknown measurement %q (known: %s)", t, strings.Join(measurements, ", "))
		}
	}
	if len(o.sources) == 0 {
		return o, errors.New("-source-addrs names no address")
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

// startAgents starts what -start or -cluster asks for (nothing for -addr)
// in a fresh temporary directory, waits for a leader, lets it settle and
// notes every agent's idle RSS. On error the cluster returned, if not
// nil, holds what was started and must be stopped.
func startAgents(ctx context.Context, o options) (*cluster, error) {
	if o.start == "" && o.cluster == "" {
		return nil, nil
	}
	root, err := os.MkdirTemp("", "cairn-bench-")
	if err != nil {
		return nil, err
	}
	var c *cluster
	if o.start != "" {
		c = &cluster{bin: o.start, root: root}
		dev, err := startDevAgent(ctx, root, o.start)
		if err != nil {
			return c, err
		}
		c.servers = []*proc{dev}
	} else {
		bin, err := filepath.Abs(o.cluster)
		if err != nil {
			return nil, err
		}
		if c, err = startCluster(ctx, root, bin, o.clientAgent); err != nil {
			return c, err
		}
	}
	time.Sleep(time.Second)
	cpu := cpuNow(c)
	time.Sleep(settleTime)
	c.idleCPU = cpu.since()
	c.recordIdle()
	return c, nil
}

// settleTime is how long a started cluster idles, a second after it has a
// leader, while its idle CPU is measured, before its idle RSS is read.
const settleTime = 3 * time.Second
