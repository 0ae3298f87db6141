package netsim_test

import (
	"bytes"
	"io"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cairn-sd/cairn/netsim"
)

// diskHost adds one host whose boot does nothing and returns the sim and a
// function giving the current boot's Env.
func diskHost(t *testing.T, seed uint64) (*netsim.Sim, func() netsim.Env) {
	t.Helper()
	sim := netsim.New(seed, netsim.Options{})
	var env netsim.Env
	sim.AddHost("a", "dc1", func(e netsim.Env) { env = e })
	sim.RunFor(0)
	return sim, func() netsim.Env { return env }
}

func write(t *testing.T, f netsim.File, s string) {
	t.Helper()
	_, err := f.Write([]byte(s))
	require.NoError(t, err)
}

func TestCrashLosesExactlyTheUnsyncedWrites(t *testing.T) {
	sim, env := diskHost(t, 1)
	d := env().Disk()
	require.NoError(t, d.MkdirAll("data"))
	f, err := d.Create("data/log")
	require.NoError(t, err)
	require.NoError(t, d.SyncDir("data"))
	write(t, f, "synced;")
	require.NoError(t, f.Sync())
	write(t, f, "lost;")
	g, err := d.Create("data/unsynced-name")
	require.NoError(t, err)
	write(t, g, "x")
	require.NoError(t, g.Sync())
	require.Equal(t, int64(12), f.Size())

	sim.Restart("a", true)
	sim.RunFor(0)
	d = env().Disk()
	got, err := d.ReadFile("data/log")
	require.NoError(t, err)
	require.Equal(t, "synced;", string(got))
	_, err = d.ReadFile("data/unsynced-name")
	require.ErrorIs(t, err, netsim.ErrNotExist, "a name not made durable by SyncDir is lost")
	names, err := d.ReadDir("data")
	require.NoError(t, err)
	require.Equal(t, []string{"log"}, names)
}

func TestRenameIsDurableOnlyAfterSyncDir(t *testing.T) {
	sim, env := diskHost(t, 1)
	d := env().Disk()
	f, err := d.Create("snap.tmp")
	require.NoError(t, err)
	write(t, f, "v1")
	require.NoError(t, f.Sync())
	require.NoError(t, d.SyncDir("."))
	require.NoError(t, d.Rename("snap.tmp", "snap"))
	sim.Crash("a")
	_, err = sim.Disk("a").ReadFile("snap")
	require.ErrorIs(t, err, netsim.ErrNotExist)
	got, err := sim.Disk("a").ReadFile("snap.tmp")
	require.NoError(t, err)
	require.Equal(t, "v1", string(got))

	sim.Restart("a", true)
	sim.RunFor(0)
	d = env().Disk()
	require.NoError(t, d.Rename("snap.tmp", "snap"))
	require.NoError(t, d.SyncDir("."))
	sim.Crash("a")
	names, err := sim.Disk("a").ReadDir(".")
	require.NoError(t, err)
	require.Equal(t, []string{"snap"}, names)
}

func TestTruncateBelowSyncedContentIsUndoneByCrashUnlessSynced(t *testing.T) {
	sim, env := diskHost(t, 1)
	d := env().Disk()
	f, err := d.Create("f")
	require.NoError(t, err)
	require.NoError(t, d.SyncDir("."))
	write(t, f, "abcdef")
	require.NoError(t, f.Sync())
	require.NoError(t, f.Truncate(2))
	write(t, f, "XY")
	sim.Crash("a")
	got, _ := sim.Disk("a").ReadFile("f")
	require.Equal(t, "abcdef", string(got))
}

func TestTornWriteLeavesDetectablePartOfLastWrite(t *testing.T) {
	for seed := uint64(1); seed <= 20; seed++ {
		sim, env := diskHost(t, seed)
		sim.SetDiskFaults("a", netsim.DiskFaults{TornWrite: 1})
		d := env().Disk()
		f, err := d.Create("log")
		require.NoError(t, err)
		require.NoError(t, d.SyncDir("."))
		write(t, f, "record-1;")
		require.NoError(t, f.Sync())
		write(t, f, "record-2;")
		sim.Crash("a")
		got, err := sim.Disk("a").ReadFile("log")
		require.NoError(t, err)
		require.True(t, bytes.HasPrefix(got, []byte("record-1;")), "synced data survives")
		require.Greater(t, len(got), len("record-1;"), "part of the last write survives")
		require.NotEqual(t, "record-1;record-2;", string(got), "the write is torn: short or garbled")
	}
}

func TestFlipBitChangesSyncedContent(t *testing.T) {
	sim, env := diskHost(t, 1)
	d := env().Disk()
	f, err := d.Create("meta")
	require.NoError(t, err)
	write(t, f, "term=5 vote=a")
	require.ErrorIs(t, sim.FlipBit("a", "meta"), netsim.ErrNotExist, "nothing synced yet")
	require.NoError(t, f.Sync())
	require.NoError(t, d.SyncDir("."))
	require.NoError(t, sim.FlipBit("a", "meta"))
	got, err := d.ReadFile("meta")
	require.NoError(t, err)
	require.NotEqual(t, "term=5 vote=a", string(got))
	diff := 0
	for i := range got {
		for x := got[i] ^ "term=5 vote=a"[i]; x != 0; x &= x - 1 {
			diff++
		}
	}
	require.Equal(t, 1, diff)
	sim.Restart("a", true)
	sim.RunFor(0)
	after, err := env().Disk().ReadFile("meta")
	require.NoError(t, err)
	require.Equal(t, got, after, "the flip is on the medium")
}

func TestRestartWithWipedDiskStartsEmpty(t *testing.T) {
	sim, env := diskHost(t, 1)
	d := env().Disk()
	f, err := d.Create("id")
	require.NoError(t, err)
	write(t, f, "node-1")
	require.NoError(t, f.Sync())
	require.NoError(t, d.SyncDir("."))
	sim.Restart("a", false)
	sim.RunFor(0)
	names, err := env().Disk().ReadDir(".")
	require.NoError(t, err)
	require.Empty(t, names)
}

func TestFileReadsAndErrors(t *testing.T) {
	_, env := diskHost(t, 1)
	d := env().Disk()
	_, err := d.Create("missing-dir/f")
	require.ErrorIs(t, err, netsim.ErrNotExist)
	_, err = d.Open("nope")
	require.ErrorIs(t, err, netsim.ErrNotExist)
	require.ErrorIs(t, d.Remove("nope"), netsim.ErrNotExist)
	_, err = d.Create("../escape")
	require.Error(t, err)
	f, err := d.Create("f")
	require.NoError(t, err)
	write(t, f, "hello")
	buf := make([]byte, 3)
	n, err := f.ReadAt(buf, 1)
	require.NoError(t, err)
	require.Equal(t, "ell", string(buf[:n]))
	n, err = f.ReadAt(buf, 3)
	require.ErrorIs(t, err, io.EOF)
	require.Equal(t, "lo", string(buf[:n]))
	require.NoError(t, f.Truncate(7))
	got, _ := d.ReadFile("f")
	require.Equal(t, "hello\x00\x00", string(got))
	g, err := d.Open("f")
	require.NoError(t, err)
	require.Equal(t, int64(7), g.Size())
	require.NoError(t, d.Remove("f"))
	require.NoError(t, f.Close())
	_, err = f.Write([]byte("x"))
	require.ErrorIs(t, err, netsim.ErrClosed)
}

func TestSlowFsyncDelaysWhatTheNodeSendsAfterwards(t *testing.T) {
	arrive := func(fsync time.Duration) (time.Duration, time.Duration) {
		sim := netsim.New(1, netsim.Options{LAN: fixedLAN})
		p := addProbes(sim, []string{"a", "b"})
		sim.SetDiskFaults("a", netsim.DiskFaults{FsyncMin: fsync, FsyncMax: fsync})
		f, err := p["a"].env.Disk().Create("f")
		require.NoError(t, err)
		var elapsed time.Duration
		p["a"].env.AfterFunc(time.Second, func() {
			before := p["a"].env.Now()
			require.NoError(t, f.Sync())
			elapsed = p["a"].env.Now().Sub(before)
			p["a"].send("b", "after fsync")
		})
		sim.RunFor(2 * time.Second)
		require.Len(t, p["b"].got, 1)
		return p["b"].got[0].at, elapsed
	}
	fast, fastElapsed := arrive(0)
	slow, slowElapsed := arrive(50 * time.Millisecond)
	require.Equal(t, time.Second+10*time.Millisecond, fast)
	require.Equal(t, time.Duration(0), fastElapsed)
	require.Equal(t, fast+50*time.Millisecond, slow)
	require.Equal(t, 50*time.Millisecond, slowElapsed)
}

func TestBusyNodeHandlesNothingUntilItsFsyncEnds(t *testing.T) {
	sim := netsim.New(1, netsim.Options{LAN: fixedLAN})
	p := addProbes(sim, []string{"a", "b"})
	sim.SetDiskFaults("b", netsim.DiskFaults{FsyncMin: 100 * time.Millisecond, FsyncMax: 100 * time.Millisecond})
	f, err := p["b"].env.Disk().Create("f")
	require.NoError(t, err)
	p["b"].env.AfterFunc(time.Second, func() { require.NoError(t, f.Sync()) })
	sim.At(time.Second, func() { p["a"].send("b", "x") })
	sim.RunFor(2 * time.Second)
	require.Len(t, p["b"].got, 1)
	require.Equal(t, time.Second+100*time.Millisecond, p["b"].got[0].at)
}

func TestCrashDuringSlowFsyncLosesThatSync(t *testing.T) {
	run := func(crashAfter time.Duration) string {
		sim, env := diskHost(t, 1)
		sim.SetDiskFaults("a", netsim.DiskFaults{FsyncMin: 100 * time.Millisecond, FsyncMax: 100 * time.Millisecond})
		d := env().Disk()
		f, err := d.Create("log")
		require.NoError(t, err)
		require.NoError(t, d.SyncDir("."))
		sim.RunFor(time.Second)
		write(t, f, "early;")
		require.NoError(t, f.Sync())
		sim.RunFor(time.Second)
		write(t, f, "late;")
		require.NoError(t, f.Sync())
		sim.RunFor(crashAfter)
		sim.Restart("a", true)
		sim.RunFor(0)
		got, err := env().Disk().ReadFile("log")
		require.NoError(t, err)
		return string(got)
	}
	require.Equal(t, "early;", run(50*time.Millisecond), "a crash inside the fsync undoes it")
	require.Equal(t, "early;late;", run(150*time.Millisecond), "a completed fsync survives")
}

func TestSyncAsyncLeavesTheNodeFreeAndCallsBackWhenTheFsyncEnds(t *testing.T) {
	sim := netsim.New(1, netsim.Options{LAN: fixedLAN})
	p := addProbes(sim, []string{"a", "b"})
	sim.SetDiskFaults("b", netsim.DiskFaults{FsyncMin: 100 * time.Millisecond, FsyncMax: 100 * time.Millisecond})
	f, err := p["b"].env.Disk().Create("f")
	require.NoError(t, err)
	var doneAt time.Duration
	p["b"].env.AfterFunc(time.Second, func() {
		write(t, f, "x")
		returned := false
		f.SyncAsync(func(err error) {
			require.NoError(t, err)
			require.True(t, returned, "done must not run inside SyncAsync")
			doneAt = p["b"].env.Now().Sub(netsim.Epoch)
		})
		returned = true
	})
	sim.At(time.Second, func() { p["a"].send("b", "x") })
	sim.RunFor(2 * time.Second)
	require.Len(t, p["b"].got, 1)
	require.Equal(t, time.Second+10*time.Millisecond, p["b"].got[0].at, "the node handles messages during the fsync")
	require.Equal(t, time.Second+100*time.Millisecond, doneAt)
}

func TestCrashBeforeSyncAsyncCompletesLosesThatSync(t *testing.T) {
	run := func(crashAfter time.Duration) (string, bool) {
		sim, env := diskHost(t, 1)
		sim.SetDiskFaults("a", netsim.DiskFaults{FsyncMin: 100 * time.Millisecond, FsyncMax: 100 * time.Millisecond})
		d := env().Disk()
		f, err := d.Create("log")
		require.NoError(t, err)
		require.NoError(t, d.SyncDir("."))
		write(t, f, "early;")
		require.NoError(t, f.Sync())
		sim.RunFor(time.Second)
		write(t, f, "late;")
		called := false
		f.SyncAsync(func(error) { called = true })
		sim.RunFor(crashAfter)
		sim.Restart("a", true)
		sim.RunFor(time.Second)
		got, err := env().Disk().ReadFile("log")
		require.NoError(t, err)
		return string(got), called
	}
	got, called := run(50 * time.Millisecond)
	require.Equal(t, "early;", got, "a crash inside the fsync undoes it")
	require.False(t, called, "the crashed boot is not called back")
	got, called = run(150 * time.Millisecond)
	require.Equal(t, "early;late;", got, "a completed fsync survives")
	require.True(t, called)
}
