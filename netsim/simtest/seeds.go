package simtest

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/cairn-sd/cairn/netsim"
)

var (
	seedFlag  = flag.Uint64("seed", 0, "run only this simulation seed (0: the test's default range)")
	seedsFlag = flag.String("seeds", "", "run this range of simulation seeds, as A-B")
)

// ShortSeeds is how many seeds of its default range a test runs under
// -short.
const ShortSeeds = 3

// Range is the seeds a test will run: first to last, inclusive.
func Range(defaultFirst, defaultLast uint64) (first, last uint64, err error) {
	if *seedFlag != 0 {
		return *seedFlag, *seedFlag, nil
	}
	if *seedsFlag != "" {
		return parseRange(*seedsFlag)
	}
	if testing.Short() && defaultLast-defaultFirst >= ShortSeeds {
		defaultLast = defaultFirst + ShortSeeds - 1
	}
	return defaultFirst, defaultLast, nil
}

func parseRange(s string) (uint64, uint64, error) {
	a, b, ok := strings.Cut(s, "-")
	if !ok {
		b = a
	}
	first, err1 := strconv.ParseUint(a, 10, 64)
	last, err2 := strconv.ParseUint(b, 10, 64)
	if err1 != nil || err2 != nil || first > last {
		return 0, 0, fmt.Errorf("simtest: -seeds=%q is not a range A-B with A <= B", s)
	}
	return first, last, nil
}

// Seeds runs body once per seed, each as a subtest named "seed=N". If a
// seed fails, it logs the seed, the trace hash of the simulation the body
// registered with Track (if any), and the command that replays the seed.
func Seeds(t *testing.T, defaultFirst, defaultLast uint64, body func(t *testing.T, seed uint64)) {
	t.Helper()
	first, last, err := Range(defaultFirst, defaultLast)
	if err != nil {
		t.Fatal(err)
	}
	for seed := first; ; seed++ {
		t.Run(fmt.Sprintf("seed=%d", seed), func(t *testing.T) {
			t.Cleanup(func() { report(t, seed) })
			body(t, seed)
		})
		if seed == last {
			return
		}
	}
}

// tracked maps a running subtest to its simulation, for the failure report.
var tracked sync.Map // *testing.T -> *netsim.Sim

// Track registers sim as the simulation of the seed test t, so that a
// failure prints its trace hash. It returns sim.
func Track(t *testing.T, sim *netsim.Sim) *netsim.Sim {
	tracked.Store(t, sim)
	return sim
}

// New creates a simulation for seed with Track already done.
func New(t *testing.T, seed uint64, opts netsim.Options) *netsim.Sim {
	return Track(t, netsim.New(seed, opts))
}

// report prints the replay message if t failed.
func report(t *testing.T, seed uint64) {
	v, ok := tracked.LoadAndDelete(t)
	if !t.Failed() {
		return
	}
	line := fmt.Sprintf("seed=%d", seed)
	if ok {
		sim := v.(*netsim.Sim)
		line += " trace=" + sim.TraceHash()
	}
	t.Logf("%s\nreplay: %s", line, ReplayCommand(t, seed))
}

// ReplayCommand is the go test command that runs only this seed of the
// test t (a seed subtest made by Seeds, or any test).
func ReplayCommand(t *testing.T, seed uint64) string {
	parts := strings.Split(t.Name(), "/")
	if strings.HasPrefix(parts[len(parts)-1], "seed=") {
		parts = parts[:len(parts)-1]
	}
	for i, p := range parts {
		parts[i] = "^" + p + "$"
	}
	return fmt.Sprintf("go test %s -run '%s' -seed=%d", packagePath(), strings.Join(parts, "/"), seed)
}

// packagePath is the directory of the test's package relative to its
// module root, as "./dir" (go test runs a package in its own directory).
func packagePath() string {
	wd, err := os.Getwd()
	if err != nil {
		return "."
	}
	for dir := wd; ; dir = filepath.Dir(dir) {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			rel, err := filepath.Rel(dir, wd)
			if err != nil || rel == "." {
				return "."
			}
			return "./" + filepath.ToSlash(rel)
		}
		if filepath.Dir(dir) == dir {
			return "."
		}
	}
}
