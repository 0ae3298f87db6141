package wal

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/cairn-sd/cairn/netsim"
	"github.com/cairn-sd/cairn/raft"
)

func TestReadPeersParsesConsulsFormatSortedByID(t *testing.T) {
	disk := newDisk(t)
	require.NoError(t, disk.MkdirAll("raft"))
	writeFile(t, disk, "raft/peers.json", []byte(`[
	  {"id": "c3", "address": "10.1.0.3:8300", "non_voter": true},
	  {"id": "a1", "address": "10.1.0.1:8300", "non_voter": false},
	  {"id": "b2", "address": "10.1.0.2:8300"}
	]`))
	cfg, err := ReadPeers(disk, "raft")
	require.NoError(t, err)
	require.Equal(t, raft.Configuration{Servers: []raft.Server{
		{ID: "a1", Address: "10.1.0.1:8300", Suffrage: raft.Voter},
		{ID: "b2", Address: "10.1.0.2:8300", Suffrage: raft.Voter},
		{ID: "c3", Address: "10.1.0.3:8300", Suffrage: raft.Learner},
	}}, cfg)

	require.NoError(t, RemovePeers(disk, "raft"))
	_, err = ReadPeers(disk, "raft")
	require.ErrorIs(t, err, netsim.ErrNotExist)
}

func TestReadPeersReportsAMissingFile(t *testing.T) {
	_, err := ReadPeers(newDisk(t), "raft")
	require.ErrorIs(t, err, netsim.ErrNotExist)
}

func TestParsePeersExplainsBadFiles(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{``, "empty"},
		{`[{"id": "a", "address": "x:1"`, "unexpected EOF"},
		{`{"id": "a"}`, "cannot unmarshal"},
		{`["10.0.0.1:8300"]`, "old format"},
		{`[]`, "list of servers is empty"},
		{`[{"address": "x:1"}]`, `server 0 has no "id"`},
		{`[{"id": "a"}]`, `server "a" has no "address"`},
		{`[{"id": "a", "address": "x:1"}, {"id": "a", "address": "y:1"}]`, "listed twice"},
		{`[{"id": "a", "address": "x:1", "non_voter": true}]`, "no server is a voter"},
		{`[{"id": "a", "address": "x:1", "nonvoter": true}]`, `unknown field "nonvoter"`},
		{`[{"id": "a", "address": "x:1"}] []`, "after the list"},
	} {
		_, err := ParsePeers([]byte(tc.in))
		require.ErrorIs(t, err, ErrBadPeers, tc.in)
		require.ErrorContains(t, err, tc.want, tc.in)
	}
}

// FuzzParsePeers checks that any operator-written bytes give either a
// valid configuration or an ErrBadPeers error, never a panic.
func FuzzParsePeers(f *testing.F) {
	f.Add([]byte(`[{"id": "a", "address": "x:1", "non_voter": false}]`))
	f.Add([]byte(`["10.0.0.1:8300"]`))
	f.Add([]byte(`[{"id": "a", "address": "x:1"}, {"id": "a"}]`))
	f.Fuzz(func(t *testing.T, b []byte) {
		cfg, err := ParsePeers(b)
		if err != nil {
			require.ErrorIs(t, err, ErrBadPeers)
			return
		}
		require.NotEmpty(t, cfg.Servers)
		for i := 1; i < len(cfg.Servers); i++ {
			require.Less(t, cfg.Servers[i-1].ID, cfg.Servers[i].ID)
		}
	})
}
