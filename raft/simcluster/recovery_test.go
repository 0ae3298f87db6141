package simcluster

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cairn-sd/cairn/netsim"
	"github.com/cairn-sd/cairn/raft"
)

// writePeersFile writes an operator's peers.json on a host's disk.
func writePeersFile(t *testing.T, sim *netsim.Sim, host, content string) {
	t.Helper()
	d := sim.Disk(host)
	f, err := d.Create("raft/peers.json")
	require.NoError(t, err)
	_, err = f.Write([]byte(content))
	require.NoError(t, err)
	require.NoError(t, f.Sync())
	require.NoError(t, f.Close())
	require.NoError(t, d.SyncDir("raft"))
}

// A group that lost two of three servers for good cannot commit; after the
// operator writes the survivor into peers.json and restarts it, it leads
// alone, keeps every earlier write, and accepts new ones.
func TestOutageRecoveryFromPeersFile(t *testing.T) {
	sim := netsim.New(1, netsim.Options{})
	c := New(t, sim, 3, func() raft.StateMachine { return NewKV() })
	for i := range 50 {
		c.AwaitWrite(PutCommand(fmt.Sprintf("k%d", i), "before"), 5*time.Second)
	}
	require.NoError(t, c.Violation())
	survivor := c.LeaderName()
	for _, n := range c.Names() {
		if n != survivor {
			sim.Crash(n)
		}
	}
	c.AwaitWrite(PutCommand("lost", "quorum"), 5*time.Second)
	require.ErrorContains(t, c.Violation(), "liveness", "a lone server without quorum must not commit")
	c.violation = nil

	writePeersFile(t, sim, survivor, fmt.Sprintf(`[{"id": %q, "address": "%s:8300", "non_voter": false}]`, survivor, survivor))
	sim.Restart(survivor, true)
	c.AwaitWrite(PutCommand("after", "recovery"), 5*time.Second)
	require.NoError(t, c.Violation())
	kv := c.FSM(survivor).(*KV)
	for i := range 50 {
		require.Equal(t, "before", kv.Get(fmt.Sprintf("k%d", i)))
	}
	require.Equal(t, "recovery", kv.Get("after"))
	require.Len(t, c.Server(survivor).Configuration().Servers, 1)
	_, err := sim.Disk(survivor).ReadFile("raft/peers.json")
	require.ErrorIs(t, err, netsim.ErrNotExist, "the peers file is removed once applied")
}

func TestBadPeersFileStopsTheServerWithAClearError(t *testing.T) {
	sim := netsim.New(1, netsim.Options{})
	c := New(t, sim, 3, func() raft.StateMachine { return NewKV() })
	c.AwaitWrite(PutCommand("k", "v"), 5*time.Second)
	writePeersFile(t, sim, "s1", `[{"id": "s1", "adress": "s1:8300"}]`)
	sim.Restart("s1", true)
	sim.RunFor(time.Second)
	require.ErrorContains(t, c.Violation(), "peers.json")
	require.Nil(t, c.Server("s1"), "a server with a bad peers file does not start")
}
