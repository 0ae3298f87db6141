package driver_test

import (
	"bytes"
	"testing"
	"time"

	"github.com/cairn-sd/cairn/netsim"
	"github.com/cairn-sd/cairn/swim"
	"github.com/cairn-sd/cairn/swim/driver"
	"github.com/stretchr/testify/require"
)

func TestSimPartitionSplitsThePoolAndHealingMergesIt(t *testing.T) {
	const n = 100
	for _, seed := range seeds(t, 10, 1) {
		c := newCluster(t, seed, n, netsim.Options{}, nil)
		c.mustConverge(2 * time.Minute)
		left, right := c.names[:n/2], c.names[n/2:]
		c.sim.Partition(left, right)
		split := func() bool {
			for _, name := range c.names {
				if c.nodes[name].Member().NumAlive() != n/2 {
					return false
				}
			}
			return true
		}
		tookSplit, ok := c.runUntil(5*time.Minute, time.Second, split)
		require.True(t, ok, "the pool did not split: %s", c.why())
		c.sim.Heal()
		tookMerge := c.mustConverge(5 * time.Minute)
		t.Logf("seed %d: split seen by all in %v, merged %v after healing", seed, tookSplit, tookMerge)
	}
}

func TestSimRestartedMemberRejoinsWithAHigherIncarnation(t *testing.T) {
	const n = 100
	for _, seed := range seeds(t, 10, 1) {
		c := newCluster(t, seed, n, netsim.Options{}, nil)
		c.mustConverge(2 * time.Minute)
		victim := c.names[1+int(c.sim.Workload().IntN(n-1))]
		c.sim.Crash(victim)
		_, ok := c.runUntil(5*time.Minute, time.Second, func() bool { return c.sees(victim, swim.StateDead) })
		require.True(t, ok, c.why())
		before, _ := c.nodes[c.names[0]].Member().Node(victim)
		restartAt := c.sim.Now()
		c.sim.Restart(victim, true)
		c.sim.RunFor(0)
		took := c.mustConverge(2 * time.Minute)
		after, _ := c.nodes[c.names[0]].Member().Node(victim)
		require.Greater(t, after.Incarnation, before.Incarnation, c.why())
		require.Positive(t, c.count(swim.EventJoin, victim, restartAt), c.why())
		t.Logf("seed %d: %s rejoined in %v at incarnation %d (was %d)", seed, victim, took,
			after.Incarnation, before.Incarnation)
	}
}

func TestSimGracefulLeaveIsSeenAsLeftNotFailed(t *testing.T) {
	for _, seed := range seeds(t, 10, 1) {
		c := newCluster(t, seed, 30, netsim.Options{}, nil)
		c.mustConverge(2 * time.Minute)
		leaver := c.names[7]
		require.NoError(t, c.nodes[leaver].Leave())
		c.sim.RunFor(2 * time.Second)
		c.nodes[leaver].Stop()
		c.sim.Crash(leaver)
		_, ok := c.runUntil(time.Minute, time.Second, func() bool { return c.sees(leaver, swim.StateLeft) })
		require.True(t, ok, c.why())
		c.sim.RunFor(time.Minute)
		require.True(t, c.sees(leaver, swim.StateLeft), c.why())
		require.Zero(t, c.count(swim.EventFailed, leaver, 0), c.why())
	}
}

func TestSimUserEventReachesEveryMemberOnce(t *testing.T) {
	for _, seed := range seeds(t, 10, 1) {
		c := newCluster(t, seed, 100, netsim.Options{}, nil)
		c.mustConverge(2 * time.Minute)
		require.NoError(t, c.nodes[c.names[3]].UserEvent("deploy", []byte("v2")))
		c.sim.RunFor(20 * time.Second)
		for _, name := range c.names {
			require.Equal(t, 1, c.user[name], "%s: %s", name, c.why())
		}
	}
}

func encrypted(key string) func(*driver.Config) {
	return func(cfg *driver.Config) { cfg.EncryptKey = key }
}

func TestSimKeyRotationWhileTrafficFlowsLosesNoMember(t *testing.T) {
	oldKey := swim.EncodeKey(bytes.Repeat([]byte{1}, 32))
	newKey := swim.EncodeKey(bytes.Repeat([]byte{2}, 32))
	for _, seed := range seeds(t, 10, 1) {
		c := newCluster(t, seed, 100, netsim.Options{}, encrypted(oldKey))
		c.mustConverge(2 * time.Minute)
		start := c.sim.Now()
		step := func(op func(*driver.Node) error) {
			for _, name := range c.names {
				require.NoError(t, op(c.nodes[name]))
				c.sim.RunFor(50 * time.Millisecond)
			}
			c.sim.RunFor(5 * time.Second)
		}
		step(func(n *driver.Node) error { return n.InstallKey(newKey) })
		step(func(n *driver.Node) error { return n.UseKey(newKey) })
		step(func(n *driver.Node) error { return n.RemoveKey(oldKey) })
		c.sim.RunFor(30 * time.Second)
		require.True(t, c.converged(), c.why())
		require.Zero(t, c.count(swim.EventFailed, "", start), "rotation must lose no member: %s", c.why())
		keys, err := c.nodes[c.names[5]].ListKeys()
		require.NoError(t, err)
		require.Equal(t, []string{newKey}, keys)

		// A restart reads the rotated keyring from disk, not the old
		// encrypt setting, and rejoins.
		c.sim.Restart(c.names[5], true)
		c.sim.RunFor(0)
		c.mustConverge(2 * time.Minute)
		keys, err = c.nodes[c.names[5]].ListKeys()
		require.NoError(t, err)
		require.Equal(t, []string{newKey}, keys)
	}
}

func TestSimEncryptedPoolRefusesAPlaintextMember(t *testing.T) {
	key := swim.EncodeKey(bytes.Repeat([]byte{3}, 16))
	for _, seed := range seeds(t, 10, 1) {
		c := newCluster(t, seed, 20, netsim.Options{}, nil)
		// Every member but the last is encrypted.
		last := c.names[len(c.names)-1]
		c.config = wrapConfig(c.config, func(name string, cfg *driver.Config) {
			if name != last {
				cfg.EncryptKey = key
			}
		})
		for _, name := range c.names {
			c.sim.Restart(name, false)
		}
		c.sim.RunFor(30 * time.Second)
		for _, name := range c.names[:len(c.names)-1] {
			m := c.nodes[name].Member()
			require.Equal(t, len(c.names)-1, m.NumAlive(), "%s: %s", name, c.why())
			_, known := m.Node(last)
			require.False(t, known, c.why())
		}
		require.Equal(t, 1, c.nodes[last].Member().NumAlive(), c.why())
		require.Positive(t, c.nodes[c.names[0]].Member().Stats().DecryptFailures, c.why())
	}
}

func wrapConfig(base func(string) driver.Config, f func(string, *driver.Config)) func(string) driver.Config {
	return func(name string) driver.Config {
		cfg := base(name)
		f(name, &cfg)
		return cfg
	}
}

func TestSimThousandMembersConverge(t *testing.T) {
	if testing.Short() {
		t.Skip("1000-member run skipped under -short")
	}
	for _, seed := range seeds(t, 1, 1) {
		c := newCluster(t, seed, 1000, netsim.Options{}, nil)
		took := c.mustConverge(5 * time.Minute)
		var sent uint64
		for _, name := range c.names {
			sent += c.nodes[name].Member().Stats().BytesSent
		}
		t.Logf("seed %d: 1000 members converged in %v; %d bytes sent per member per second on average",
			seed, took, sent/1000/uint64(max(1, c.sim.Now()/time.Second)))
	}
}
