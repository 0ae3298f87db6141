package driver_test

import (
	"flag"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cairn-sd/cairn/netsim"
	"github.com/cairn-sd/cairn/swim"
	"github.com/cairn-sd/cairn/swim/driver"
	"github.com/stretchr/testify/require"
)

var seedsFlag = flag.String("swim.seeds", "", "seed range for the simulation sweeps, e.g. 1-10000")

// seeds returns the sweep's seeds: n of them (fewer under -short), or the
// range given with -swim.seeds. A seed list is contiguous, never curated.
func seeds(t *testing.T, n, short int) []uint64 {
	from, to := uint64(1), uint64(n)
	if testing.Short() {
		to = uint64(short)
	}
	if *seedsFlag != "" {
		a, b, _ := strings.Cut(*seedsFlag, "-")
		var err error
		from, err = strconv.ParseUint(a, 10, 64)
		require.NoError(t, err)
		to = from
		if b != "" {
			to, err = strconv.ParseUint(b, 10, 64)
			require.NoError(t, err)
		}
	}
	var out []uint64
	for s := from; s <= to; s++ {
		out = append(out, s)
	}
	return out
}

// record is one membership event as an observer saw it, stamped with true
// virtual time.
type record struct {
	observer string
	event    swim.Event
	at       time.Duration
}

// cluster is a pool of driven members inside one simulation.
type cluster struct {
	t      *testing.T
	sim    *netsim.Sim
	names  []string
	nodes  map[string]*driver.Node
	config func(name string) driver.Config
	events []record
	user   map[string]int
}

const port = 7946

func hostName(i int) string { return fmt.Sprintf("n%04d", i) }

func addrOf(name string) string { return name + ":" + strconv.Itoa(port) }

// newCluster boots n members that each join the first; tweak adjusts every
// member's config.
func newCluster(t *testing.T, seed uint64, n int, opts netsim.Options, tweak func(*driver.Config)) *cluster {
	return newZonedCluster(t, seed, n, 1, opts, tweak)
}

// newZonedCluster is newCluster with member i in zone (datacenter)
// "dc<i mod zones + 1>", so links between zones are WAN links.
func newZonedCluster(t *testing.T, seed uint64, n, zones int, opts netsim.Options,
	tweak func(*driver.Config)) *cluster {
	c := &cluster{t: t, sim: netsim.New(seed, opts), nodes: map[string]*driver.Node{}, user: map[string]int{}}
	c.config = func(name string) driver.Config {
		sc := swim.LANConfig()
		sc.Name = name
		sc.Tags = swim.Tags{"role": "node", "dc": "dc1"}
		cfg := driver.Config{Swim: sc, Port: port, KeyringFile: "serf/local.keyring"}
		cfg.OnEvent = func(e swim.Event) {
			c.events = append(c.events, record{observer: name, event: e, at: c.sim.Now()})
		}
		cfg.OnUserEvent = func(swim.UserEvent) { c.user[name]++ }
		if tweak != nil {
			tweak(&cfg)
		}
		return cfg
	}
	for i := range n {
		name := hostName(i)
		c.names = append(c.names, name)
		c.sim.AddHost(name, fmt.Sprintf("dc%d", i%zones+1), c.boot(name))
	}
	c.sim.RunFor(0)
	require.Len(t, c.up(), n)
	return c
}

// boot starts the member on a (re)booted host and joins the first member.
func (c *cluster) boot(name string) func(netsim.Env) {
	return func(env netsim.Env) {
		node, err := driver.Start(env, c.config(name))
		require.NoError(c.t, err, name)
		c.nodes[name] = node
		require.NoError(c.t, node.Join([]string{addrOf(c.names[0])}))
	}
}

// up lists the names of running members.
func (c *cluster) up() []string {
	var out []string
	for _, name := range c.names {
		if c.sim.Up(name) {
			out = append(out, name)
		}
	}
	return out
}

// sees reports whether every running member other than node believes node
// is in state want.
func (c *cluster) sees(node string, want swim.State) bool {
	for _, name := range c.up() {
		if name == node {
			continue
		}
		info, ok := c.nodes[name].Member().Node(node)
		if !ok || info.State != want {
			return false
		}
	}
	return true
}

// converged reports whether every running member sees every running member
// alive.
func (c *cluster) converged() bool {
	up := c.up()
	for _, name := range up {
		if c.nodes[name].Member().NumAlive() != len(up) {
			return false
		}
	}
	for _, name := range up {
		if !c.sees(name, swim.StateAlive) {
			return false
		}
	}
	return true
}

// runUntil advances the simulation in steps until cond holds or limit
// passes, and returns how long it took.
func (c *cluster) runUntil(limit, step time.Duration, cond func() bool) (time.Duration, bool) {
	start := c.sim.Now()
	for c.sim.Now()-start < limit {
		if cond() {
			return c.sim.Now() - start, true
		}
		c.sim.RunFor(step)
	}
	return c.sim.Now() - start, cond()
}

// mustConverge runs until the pool converges and fails with the seed if it
// does not.
func (c *cluster) mustConverge(limit time.Duration) time.Duration {
	took, ok := c.runUntil(limit, time.Second, c.converged)
	require.True(c.t, ok, "pool of %d did not converge within %v: %s", len(c.up()), limit, c.why())
	return took
}

// why names the seed, the command that replays it and the trace hash, for
// failure messages.
func (c *cluster) why() string {
	return fmt.Sprintf("seed %d, trace %s; replay with go test ./swim/driver -run '^%s$' -swim.seeds=%d",
		c.sim.Seed(), c.sim.TraceHash(), c.t.Name(), c.sim.Seed())
}

// count returns how many events of kind about node were seen, by anyone;
// an empty node counts all.
func (c *cluster) count(kind swim.EventKind, node string, since time.Duration) int {
	n := 0
	for _, r := range c.events {
		if r.event.Kind == kind && (node == "" || r.event.Node.Name == node) && r.at >= since {
			n++
		}
	}
	return n
}
