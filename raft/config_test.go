package raft

import (
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestNewRejectsUnusableConfig(t *testing.T) {
	base := func() Config { return DefaultConfig("s1", rand.New(rand.NewPCG(1, 2))) }
	ents := func(terms ...uint64) []Entry {
		var out []Entry
		for i, tt := range terms {
			out = append(out, Entry{Index: uint64(i + 1), Term: tt})
		}
		return out
	}
	tests := map[string]func(*Config){
		"empty ID":              func(c *Config) { c.ID = "" },
		"nil rand":              func(c *Config) { c.Rand = nil },
		"election <= heartbeat": func(c *Config) { c.ElectionTicks = c.HeartbeatTicks },
		"zero inflight":         func(c *Config) { c.MaxInflightMsgs = 0 },
		"gap in log": func(c *Config) {
			c.HardState.Term = 1
			c.Entries = []Entry{{Index: 1, Term: 1}, {Index: 3, Term: 1}}
		},
		"term decreases":        func(c *Config) { c.HardState.Term = 2; c.Entries = ents(2, 1) },
		"term above hard state": func(c *Config) { c.HardState.Term = 1; c.Entries = ents(1, 2) },
		"zero term":             func(c *Config) { c.HardState.Term = 1; c.Entries = ents(0) },
		"commit beyond log":     func(c *Config) { c.HardState = HardState{Term: 1, Commit: 3}; c.Entries = ents(1) },
		"log does not follow snapshot": func(c *Config) {
			c.HardState.Term = 2
			c.Snapshot = SnapshotMeta{Index: 5, Term: 1}
			c.Entries = []Entry{{Index: 7, Term: 2}}
		},
		"snapshot term disagrees": func(c *Config) {
			c.HardState.Term = 2
			c.Snapshot = SnapshotMeta{Index: 1, Term: 2}
			c.Entries = ents(1, 2)
		},
	}
	for name, breakIt := range tests {
		c := base()
		breakIt(&c)
		_, err := New(c)
		require.ErrorIs(t, err, ErrInvalidConfig, name)
	}
}

// A restarted server takes its configuration from the latest configuration
// entry in its log, committed or not (thesis §4.1), and re-applies the
// committed entries after its snapshot.
func TestNewRecoversConfigurationAndCommittedEntries(t *testing.T) {
	c := DefaultConfig("s1", rand.New(rand.NewPCG(1, 2)))
	c.Snapshot = SnapshotMeta{Index: 2, Term: 1, Config: votersConfig("s1")}
	c.HardState = HardState{Term: 2, Vote: "s1", Commit: 4}
	c.Entries = []Entry{
		{Index: 2, Term: 1},
		{Index: 3, Term: 2, Type: EntryCommand, Data: []byte("a")},
		{Index: 4, Term: 2, Type: EntryConfig, Data: EncodeConfiguration(votersConfig("s1", "s2"))},
		{Index: 5, Term: 2, Type: EntryConfig, Data: EncodeConfiguration(votersConfig("s1", "s2", "s3"))},
	}
	n, err := New(c)
	require.NoError(t, err)
	conf, idx := n.Configuration()
	require.Equal(t, votersConfig("s1", "s2", "s3"), conf)
	require.Equal(t, uint64(5), idx)
	rd := n.Ready()
	require.Nil(t, rd.HardState, "nothing changed since recovery")
	require.Empty(t, rd.Entries, "recovered entries are already persisted")
	require.Equal(t, c.Entries[1:3], rd.CommittedEntries)
	n.Advance(rd)
	require.False(t, n.HasReady())

	// A leader of a later term overwrites the uncommitted entry 5; the
	// configuration falls back to entry 4.
	require.NoError(t, n.Step(Message{Type: MsgApp, From: "s2", To: "s1", Term: 3, Index: 4, LogTerm: 2,
		Entries: []Entry{{Index: 5, Term: 3, Type: EntryNoop}}}))
	conf, idx = n.Configuration()
	require.Equal(t, votersConfig("s1", "s2"), conf)
	require.Equal(t, uint64(4), idx)
}

func TestBootstrapOnlyOnFreshServer(t *testing.T) {
	n, err := New(DefaultConfig("s1", rand.New(rand.NewPCG(1, 2))))
	require.NoError(t, err)
	for range 3 * DefaultElectionTicks {
		n.Tick()
	}
	require.Equal(t, Follower, n.role, "a server without configuration stays passive")
	require.False(t, n.HasReady())
	require.ErrorIs(t, n.Bootstrap(Configuration{}), ErrInvalidConfigChange)
	require.ErrorIs(t, n.Bootstrap(votersConfig("s1", "s1")), ErrInvalidConfigChange)
	require.NoError(t, n.Bootstrap(votersConfig("s1")))
	require.ErrorIs(t, n.Bootstrap(votersConfig("s1")), ErrAlreadyBootstrapped)
	rd := n.Ready()
	require.Equal(t, &HardState{Term: 1}, rd.HardState)
	require.Len(t, rd.Entries, 1)
	n.Advance(rd)
	for range 2 * DefaultElectionTicks {
		n.Tick()
	}
	require.Equal(t, Leader, n.role, "a single bootstrapped voter elects itself")
}
