package catalog

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestAutopilotConfigIsTheDefaultUntilSet(t *testing.T) {
	a := newApplier(t)
	_, c := a.s.AutopilotConfig(nil)
	require.Equal(t, DefaultAutopilotConfig, c)
	require.Zero(t, c.ModifyIndex)

	want := AutopilotConfig{CleanupDeadServers: false, LastContactThreshold: time.Second,
		MaxTrailingLogs: 10, MinQuorum: 3, ServerStabilizationTime: time.Minute}
	a.ok(&AutopilotSetRequest{Config: want})
	idx, c := a.s.AutopilotConfig(nil)
	want.CreateIndex, want.ModifyIndex = a.idx, a.idx
	require.Equal(t, want, c)
	require.Equal(t, a.idx, idx)
}

func TestAutopilotCASAppliesOnlyAtTheModifyIndex(t *testing.T) {
	a := newApplier(t)
	res := a.do(&AutopilotSetRequest{Config: DefaultAutopilotConfig, CAS: true, Index: 7})
	require.False(t, res.OK, "index 7 is not the index of settings never written")
	a.ok(&AutopilotSetRequest{Config: DefaultAutopilotConfig, CAS: true, Index: 0})
	created := a.idx

	stale := DefaultAutopilotConfig
	stale.MaxTrailingLogs = 1
	res = a.do(&AutopilotSetRequest{Config: stale, CAS: true, Index: 0})
	require.NoError(t, res.Err)
	require.False(t, res.OK, "index 0 loses once the settings exist")
	_, c := a.s.AutopilotConfig(nil)
	require.Equal(t, uint64(250), c.MaxTrailingLogs)

	a.ok(&AutopilotSetRequest{Config: stale, CAS: true, Index: created})
	_, c = a.s.AutopilotConfig(nil)
	require.Equal(t, uint64(1), c.MaxTrailingLogs)
	require.Equal(t, created, c.CreateIndex)
	require.Equal(t, a.idx, c.ModifyIndex)
}

func TestAutopilotSetRefusesNegativeDurations(t *testing.T) {
	a := newApplier(t)
	bad := DefaultAutopilotConfig
	bad.LastContactThreshold = -time.Second
	res := a.do(&AutopilotSetRequest{Config: bad})
	require.ErrorIs(t, res.Err, ErrBadAutopilotConfig)
	_, c := a.s.AutopilotConfig(nil)
	require.Zero(t, c.ModifyIndex)
}

func TestAutopilotSetWakesItsWatchers(t *testing.T) {
	a := newApplier(t)
	ws := &WatchSet{}
	a.s.AutopilotConfig(ws)
	a.ok(&KVSetRequest{Key: "k", Value: []byte("v")})
	require.False(t, fired(ws), "a KV write leaves the autopilot watch alone")
	a.ok(&AutopilotSetRequest{Config: DefaultAutopilotConfig})
	require.True(t, fired(ws))
}

// fired reports whether any channel of ws is closed.
func fired(ws *WatchSet) bool {
	for _, ch := range ws.Channels() {
		select {
		case <-ch:
			return true
		default:
		}
	}
	return false
}

func TestSnapshotRoundTripKeepsTheAutopilotConfig(t *testing.T) {
	a := newApplier(t)
	cfg := DefaultAutopilotConfig
	cfg.MinQuorum = 5
	a.ok(&AutopilotSetRequest{Config: cfg})
	c := restored(t, a.s)
	_, got := c.AutopilotConfig(nil)
	require.Equal(t, uint(5), got.MinQuorum)
	require.Equal(t, a.idx, got.ModifyIndex)
	require.Equal(t, snapshotBytes(t, a.s), snapshotBytes(t, c))
}

func TestRestoreRefusesANegativeAutopilotDuration(t *testing.T) {
	d := newDB()
	err := readAutopilot(&d, []byte(`{"CleanupDeadServers":true,"LastContactThreshold":-1,"MaxTrailingLogs":0,`+
		`"MinQuorum":0,"ServerStabilizationTime":0,"CreateIndex":1,"ModifyIndex":1}`))
	require.ErrorIs(t, err, ErrBadAutopilotConfig)
}

// goldenStateV4 adds to goldenStateV3 what version 4 added: the autopilot
// settings.
func goldenStateV4(t *testing.T) *State {
	s := goldenStateV3(t)
	a := &applier{t: t, s: s, idx: s.LastIndex()}
	a.ok(&AutopilotSetRequest{Config: AutopilotConfig{LastContactThreshold: 300 * time.Millisecond,
		MaxTrailingLogs: 100, MinQuorum: 3, ServerStabilizationTime: 5 * time.Second}})
	return a.s
}

// The newest format re-encodes byte for byte; run the tests with -update
// to rewrite the file after adding a table of version 4 to the history.
func TestGoldenSnapshotV4StillRestores(t *testing.T) {
	path := filepath.Join("testdata", "snapshot-v4.bin")
	if *updateGolden {
		require.NoError(t, os.WriteFile(path, snapshotBytes(t, goldenStateV4(t)), 0o644))
	}
	golden, err := os.ReadFile(path)
	require.NoError(t, err)
	require.Equal(t, []byte{0, 4}, golden[len(snapshotMagic):len(snapshotMagic)+2])
	s := New(nil)
	require.NoError(t, s.Restore(bytes.NewReader(golden)))
	require.Equal(t, golden, snapshotBytes(t, s), "version 4 re-encodes byte for byte")
	require.Equal(t, snapshotBytes(t, goldenStateV4(t)), golden, "the history still builds the golden state")
	_, c := s.AutopilotConfig(nil)
	require.Equal(t, uint(3), c.MinQuorum)
}

// autopilotSampleCommands are pinned in testdata/commands-v1-autopilot.txt.
func autopilotSampleCommands() []Command {
	return []Command{
		&AutopilotSetRequest{Config: DefaultAutopilotConfig},
		&AutopilotSetRequest{Config: AutopilotConfig{MinQuorum: 3, LastContactThreshold: time.Second}, CAS: true, Index: 42},
	}
}

func TestGoldenAutopilotCommandsStillDecode(t *testing.T) {
	checkGoldenCommands(t, filepath.Join("testdata", "commands-v1-autopilot.txt"), autopilotSampleCommands())
}

// FuzzAutopilotRecord checks that the snapshot record of the settings is
// read or refused, never a panic, and that what is read writes back the
// same.
func FuzzAutopilotRecord(f *testing.F) {
	f.Add([]byte(`{"CleanupDeadServers":true,"LastContactThreshold":200000000,"MaxTrailingLogs":250,` +
		`"MinQuorum":0,"ServerStabilizationTime":10000000000,"CreateIndex":3,"ModifyIndex":9}`))
	f.Add([]byte(`{"LastContactThreshold":-5}`))
	f.Add([]byte(`{"MinQuorum":-1}`))
	f.Add([]byte(`{} {}`))
	f.Fuzz(func(t *testing.T, raw []byte) {
		d := newDB()
		if err := readAutopilot(&d, raw); err != nil {
			return
		}
		var again []byte
		require.NoError(t, writeAutopilot(&d, func(v any) error {
			var err error
			again, err = appendRecord(nil, v)
			return err
		}))
		d2 := newDB()
		require.NoError(t, readAutopilot(&d2, again))
		require.Equal(t, d.autopilot, d2.autopilot)
	})
}
