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

// query runs a keyring query from node and waits for its result in
// simulated time, calling during at every step of 100 ms.
func (c *cluster) query(from string, op swim.KeyOp, key string, during func()) driver.KeyringResult {
	var (
		got  driver.KeyringResult
		err  error
		done bool
	)
	c.nodes[from].KeyringQuery(op, key, 0, 2, func(r driver.KeyringResult, e error) {
		got, err, done = r, e, true
	})
	_, ok := c.runUntil(time.Minute, 100*time.Millisecond, func() bool {
		if during != nil {
			during()
		}
		return done
	})
	require.True(c.t, ok, "%s query never finished: %s", op, c.why())
	require.NoError(c.t, err, c.why())
	return got
}

func requireEveryoneOK(t *testing.T, c *cluster, r driver.KeyringResult) {
	t.Helper()
	require.Empty(t, r.Missing, "%+v %s", r, c.why())
	require.Len(t, r.Answers, len(c.names), c.why())
	require.Zero(t, r.Failed(), c.why())
}

func TestSimKeyringQueriesRotateTheKeyAcrossThePoolWhileTrafficFlows(t *testing.T) {
	oldKey := swim.EncodeKey(bytes.Repeat([]byte{1}, 32))
	newKey := swim.EncodeKey(bytes.Repeat([]byte{2}, 32))
	for _, seed := range seeds(t, 10, 2) {
		c := newCluster(t, seed, 5, netsim.Options{}, encrypted(oldKey))
		c.mustConverge(2 * time.Minute)
		start := c.sim.Now()
		// Traffic: a user event from the next member at every step.
		sent := 0
		traffic := func() {
			sent++
			require.NoError(t, c.nodes[c.names[sent%len(c.names)]].UserEvent("tick", []byte{byte(sent)}))
		}
		origin := c.names[1]
		requireEveryoneOK(t, c, c.query(origin, swim.KeyInstall, newKey, traffic))
		requireEveryoneOK(t, c, c.query(origin, swim.KeyUse, newKey, traffic))
		requireEveryoneOK(t, c, c.query(origin, swim.KeyRemove, oldKey, traffic))
		list := c.query(origin, swim.KeyList, "", traffic)
		requireEveryoneOK(t, c, list)
		for _, a := range list.Answers {
			require.Equal(t, []string{newKey}, a.Keys, "%s: %s", a.Node, c.why())
		}
		c.sim.RunFor(30 * time.Second)
		require.True(t, c.converged(), c.why())
		require.Zero(t, c.count(swim.EventFailed, "", start), "rotation must lose no member: %s", c.why())
		require.Zero(t, c.count(swim.EventSuspect, "", start), "no member was ever unreadable: %s", c.why())
		require.Positive(t, c.user[c.names[0]], "traffic flowed")

		// A restart reads the rotated keyring from disk, not the old
		// encrypt setting, and rejoins.
		c.sim.Restart(c.names[3], true)
		c.sim.RunFor(0)
		c.mustConverge(2 * time.Minute)
		keys, err := c.nodes[c.names[3]].ListKeys()
		require.NoError(t, err)
		require.Equal(t, []string{newKey}, keys, c.why())
	}
}

func TestSimKeyringQueryReportsACrashedMemberAsMissing(t *testing.T) {
	key := swim.EncodeKey(bytes.Repeat([]byte{1}, 16))
	for _, seed := range seeds(t, 5, 1) {
		c := newCluster(t, seed, 5, netsim.Options{}, encrypted(key))
		c.mustConverge(2 * time.Minute)
		c.sim.Crash(c.names[4])
		r := c.query(c.names[0], swim.KeyList, "", nil)
		require.Equal(t, []string{c.names[4]}, r.Missing, c.why())
		require.Equal(t, 5, r.NumNodes())
		require.Equal(t, 1, r.Failed())
	}
}

func TestKeyringQueryOnAPlaintextNodeFailsAtOnce(t *testing.T) {
	c := newCluster(t, 1, 1, netsim.Options{}, nil)
	var err error
	c.nodes[c.names[0]].KeyringQuery(swim.KeyList, "", 0, 0, func(_ driver.KeyringResult, e error) { err = e })
	require.ErrorIs(t, err, driver.ErrNoKeyring)
}
