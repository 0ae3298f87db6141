package driver_test

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/cairn-sd/cairn/netsim"
	"github.com/cairn-sd/cairn/swim"
	"github.com/cairn-sd/cairn/swim/driver"
	"github.com/stretchr/testify/require"
)

// newRetryJoinCluster is a cluster whose hosts are added by the test, each
// booting with cfg.RetryJoin = join and a short retry interval, and never
// calling Join itself.
func newRetryJoinCluster(t *testing.T, seed uint64, join []string) *cluster {
	c := &cluster{t: t, sim: netsim.New(seed, netsim.Options{}), nodes: map[string]*driver.Node{}, user: map[string]int{}}
	c.config = func(name string) driver.Config {
		sc := swim.LANConfig()
		sc.Name = name
		cfg := driver.Config{Swim: sc, Port: port, RetryJoin: join, RetryJoinInterval: 5 * time.Second}
		cfg.OnEvent = func(e swim.Event) {
			c.events = append(c.events, record{observer: name, event: e, at: c.sim.Now()})
		}
		return cfg
	}
	return c
}

// add adds and boots one host.
func (c *cluster) add(name string) {
	c.names = append(c.names, name)
	c.sim.AddHost(name, "dc1", func(env netsim.Env) {
		node, err := driver.Start(env, c.config(name))
		require.NoError(c.t, err, name)
		c.nodes[name] = node
	})
}

// TestSimRetryJoinConvergesWhateverTheBootOrder boots three servers, whose
// retry_join lists all three (themselves included, as the seed config
// does), and twenty clients that list the servers, in a random order spread
// over two minutes, clients first. The first clients are alone and keep
// retrying; a server alone keeps retrying too, harmlessly joining itself.
// Once the servers are up everyone converges and stops retrying.
func TestSimRetryJoinConvergesWhateverTheBootOrder(t *testing.T) {
	const servers, clients = 3, 20
	for _, seed := range seeds(t, 10, 2) {
		var seedAddrs, order []string
		for i := range servers {
			seedAddrs = append(seedAddrs, addrOf(fmt.Sprintf("server%d", i)))
			order = append(order, fmt.Sprintf("server%d", i))
		}
		for i := range clients {
			order = append(order, fmt.Sprintf("client%02d", i))
		}
		c := newRetryJoinCluster(t, seed, seedAddrs)
		r := c.sim.Workload()
		r.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
		// Two clients always come first, so that someone starts alone.
		order = append([]string{"client98", "client99"}, order...)
		c.add(order[0])
		c.add(order[1])
		c.sim.RunFor(0)

		var bootedAt []time.Duration
		for range order[2:] {
			bootedAt = append(bootedAt, time.Duration(r.Int64N(int64(2*time.Minute))))
		}
		slices.Sort(bootedAt)
		for i, name := range order[2:] {
			c.sim.At(bootedAt[i], func() { c.add(name) })
		}

		// Before any server is up, the early clients know only themselves
		// and are still trying.
		firstServer := time.Duration(-1)
		for i, name := range order[2:] {
			if len(name) > 6 && name[:6] == "server" {
				firstServer = bootedAt[i]
				break
			}
		}
		c.sim.RunUntil(firstServer - time.Nanosecond)
		for _, name := range order[:2] {
			require.Equal(t, 1, c.nodes[name].Member().NumAlive(), c.why())
			require.True(t, c.nodes[name].Joining(), c.why())
			require.GreaterOrEqual(t, c.nodes[name].JoinAttempts(), int(firstServer/(5*time.Second)), c.why())
		}

		c.sim.RunUntil(bootedAt[len(bootedAt)-1])
		c.sim.RunFor(0)
		require.Len(t, c.up(), servers+clients+2)
		took := c.mustConverge(2 * time.Minute)
		c.sim.RunFor(10 * time.Second)
		for _, name := range c.names {
			n := c.nodes[name]
			require.False(t, n.Joining(), "%s still retrying: %s", name, c.why())
			require.Zero(t, n.Member().Stats().DecodeFailures, c.why())
		}
		require.Zero(t, c.count(swim.EventFailed, "", 0), c.why())
		t.Logf("seed %d: boot order %v; converged %v after the last boot; early client made %d attempts",
			seed, order, took, c.nodes[order[0]].JoinAttempts())
	}
}

// TestSimRetryJoinThroughOnlyTheOwnAddressIsHarmless starts a member whose
// list names only itself: it stays a healthy pool of one, keeps retrying,
// and a peer that joins it later is accepted.
func TestSimRetryJoinThroughOnlyTheOwnAddressIsHarmless(t *testing.T) {
	c := newRetryJoinCluster(t, 1, []string{addrOf("server0")})
	c.add("server0")
	c.sim.RunFor(time.Minute)
	n := c.nodes["server0"]
	require.Equal(t, 1, n.Member().NumAlive())
	require.True(t, n.Joining())
	require.GreaterOrEqual(t, n.JoinAttempts(), 12)
	require.Zero(t, n.Member().Stats().DecodeFailures)
	require.Zero(t, n.Member().Stats().Refutations)
	require.Zero(t, c.count(swim.EventFailed, "", 0))

	c.add("client00")
	c.sim.RunFor(0)
	c.mustConverge(time.Minute)
	c.sim.RunFor(10 * time.Second)
	require.False(t, n.Joining())
	require.False(t, c.nodes["client00"].Joining())
}
