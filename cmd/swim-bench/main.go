// Command swim-bench measures cairn's gossip pool in the simulator, for plain
// SWIM and for SWIM with the Lifeguard refinements, and prints the figures
// as Markdown table rows:
//
//   - failure detection of a crashed member: the time until the first
//     member declares it failed, and until 99% and 100% of the others have
//     (median and p99 over -crashes crashes, each victim restarted on a
//     wiped disk before the next crash), in seconds and protocol periods;
//   - the steady-state traffic each member sends, datagrams and streams,
//     over -traffic-window (longer than the push-pull interval, which grows
//     with the pool) after two minutes for the join news to drain;
//   - false failure declarations per member-hour under uniform datagram
//     loss, with no crash at all;
//   - the simulator's wall time and peak heap for each run.
//
// Every run uses the LAN configuration with the stream fallback probe off
// (streams never lose anything in netsim, so with it on the loss settings
// would test nothing), encryption on, and netsim's LAN link profile.
//
//	go run ./cmd/swim-bench -nodes=100,1000 -crashes=30 -loss=0.01,0.05,0.10 -fp-node-hours=1000
package main

import (
	"flag"
	"fmt"
	"os"
	"runtime"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/cairn-sd/cairn/swim"
)

func main() {
	nodes := flag.String("nodes", "100,1000", "pool sizes for the detection and traffic runs")
	crashes := flag.Int("crashes", 30, "crashes per detection run")
	window := flag.Duration("traffic-window", 6*time.Minute, "simulated time over which steady traffic is measured")
	losses := flag.String("loss", "0.01,0.05,0.10", "datagram loss rates for the false-positive runs")
	fpNodes := flag.Int("fp-nodes", 100, "pool size for the false-positive runs")
	fpHours := flag.Float64("fp-node-hours", 1000, "simulated member-hours per false-positive run; 0 skips them")
	seed := flag.Uint64("seed", 1, "simulation seed")
	only := flag.String("modes", "SWIM,Lifeguard", "protocol variants to run")
	memProfile := flag.String("memprofile", "", "write a heap profile of the first pool here, taken at its largest live heap (forces a GC at every sample)")
	flag.Parse()
	heapProfile = *memProfile

	sizes, err := parseList(*nodes, strconv.Atoi)
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench: -nodes:", err)
		os.Exit(2)
	}
	lossList, err := parseList(*losses, func(s string) (float64, error) { return strconv.ParseFloat(s, 64) })
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench: -loss:", err)
		os.Exit(2)
	}
	var run []mode
	for _, m := range modes {
		if slices.Contains(strings.Split(*only, ","), m.name) {
			run = append(run, m)
		}
	}
	fmt.Printf("# seed %d, %s, GOMAXPROCS %d\n\n", *seed, runtime.Version(), runtime.GOMAXPROCS(0))
	fmt.Println("| variant | members | converged after (sim) | crashes | first failure: median / p99 | 99% know: median / p99 | 100% know: median / p99 | crashes not known to all in 5 min | datagram B/member/s | stream B/member/s | sim time | wall time | peak heap |")
	fmt.Println("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
	for _, n := range sizes {
		for _, m := range run {
			detectionRun(*seed, n, m, *crashes, *window)
		}
	}
	if *fpHours <= 0 {
		return
	}
	fmt.Println()
	fmt.Println("| variant | members | loss | member-hours | false failures (distinct member, incarnation) | per member-hour | failure events (all observers) | suspect states entered (all members) | sim time | wall time | peak heap |")
	fmt.Println("|---|---|---|---|---|---|---|---|---|---|---|")
	for _, loss := range lossList {
		for _, m := range run {
			falsePositiveRun(*seed, *fpNodes, m, loss, *fpHours)
		}
	}
}

func parseList[T any](s string, parse func(string) (T, error)) ([]T, error) {
	var out []T
	for _, f := range strings.Split(s, ",") {
		v, err := parse(strings.TrimSpace(f))
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

// detectionRun boots a pool of n, measures steady traffic over window, then
// crashes members one at a time.
func detectionRun(seed uint64, n int, m mode, crashes int, window time.Duration) {
	runtime.GC()
	p := newPool(seed, n, m, 0)
	took, ok := p.converge(30 * time.Minute)
	if !ok {
		fmt.Printf("| %s | %d | did not converge in %v | | | | | | | | | %v | |\n", m.name, n, took, p.wall().Round(time.Second))
		return
	}
	progress(p, "%s, %d members: converged", m.name, n)
	// The join leaves every member with news to spread; let it drain
	// before measuring the steady traffic.
	p.run(2 * time.Minute)
	udp0, tcp0 := p.bytesSent()
	p.run(window)
	udp1, tcp1 := p.bytesSent()
	perMember := func(b uint64) float64 { return float64(b) / float64(n) / window.Seconds() }

	var first, p99, all []time.Duration
	incomplete := 0
	progress(p, "%s, %d members: traffic measured", m.name, n)
	for i := range crashes {
		r := p.crashOne(5 * time.Minute)
		progress(p, "%s, %d members: crash %d of %d", m.name, n, i+1, crashes)
		first = append(first, r.first)
		if r.p99 > 0 {
			p99 = append(p99, r.p99)
		}
		if r.complete {
			all = append(all, r.all)
		} else {
			incomplete++
		}
	}
	period := swim.LANConfig().ProbeInterval
	fmt.Printf("| %s | %d | %v | %d | %s | %s | %s | %d | %.0f | %.0f | %v | %v | %s |\n",
		m.name, n, took, crashes, medP99(first, period), medP99(p99, period), medP99(all, period), incomplete,
		perMember(udp1-udp0), perMember(tcp1-tcp0), p.sim.Now().Round(time.Second),
		p.wall().Round(time.Second), mib(p.peakHeap))
	if p.profiled {
		fmt.Fprintf(os.Stderr, "bench: heap profile written at the largest live heap, %s\n", mib(p.peakLive))
		heapProfile = ""
	}
}

// falsePositiveRun runs a pool of n under uniform datagram loss for enough
// simulated time to cover nodeHours member-hours.
func falsePositiveRun(seed uint64, n int, m mode, loss, nodeHours float64) {
	runtime.GC()
	p := newPool(seed, n, m, loss)
	p.converge(10 * time.Minute)
	d := time.Duration(nodeHours / float64(n) * float64(time.Hour))
	suspicions0 := p.suspicions()
	distinct, events := p.falsePositives(d)
	hours := d.Hours() * float64(n)
	fmt.Printf("| %s | %d | %.0f%% | %.0f | %d | %.4f | %d | %d | %v | %v | %s |\n",
		m.name, n, 100*loss, hours, distinct, float64(distinct)/hours, events, p.suspicions()-suspicions0,
		p.sim.Now().Round(time.Second), p.wall().Round(time.Second), mib(p.peakHeap))
}

// progress reports on stderr how far a long run has come.
func progress(p *pool, format string, args ...any) {
	fmt.Fprintf(os.Stderr, "bench: %s (sim %v, wall %v)\n", fmt.Sprintf(format, args...),
		p.sim.Now().Round(time.Second), p.wall().Round(time.Second))
}

// medP99 formats the median and p99 of ds in seconds and protocol periods.
func medP99(ds []time.Duration, period time.Duration) string {
	if len(ds) == 0 {
		return "none"
	}
	slices.Sort(ds)
	med, p99 := percentile(ds, 0.5), percentile(ds, 0.99)
	return fmt.Sprintf("%.1f s (%.1f periods) / %.1f s (%.1f periods)",
		med.Seconds(), float64(med)/float64(period), p99.Seconds(), float64(p99)/float64(period))
}

func mib(b uint64) string { return fmt.Sprintf("%.0f MiB", float64(b)/(1<<20)) }

// heapProfile is the -memprofile file; only the first pool writes it.
var heapProfile string

// writeHeapProfile writes the heap profile as of the last GC.
func writeHeapProfile() {
	f, err := os.Create(heapProfile)
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench: memprofile:", err)
		return
	}
	defer f.Close()
	if err := pprof.WriteHeapProfile(f); err != nil {
		fmt.Fprintln(os.Stderr, "bench: memprofile:", err)
	}
}
