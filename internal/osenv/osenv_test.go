package osenv

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cairn-sd/cairn/netsim"
)

// wait is the bound on every wait in these tests; nothing here is timed.
const wait = 10 * time.Second

func startEnv(t *testing.T) *Env {
	t.Helper()
	e, err := New(Config{Host: "127.0.0.1", DataDir: t.TempDir()})
	require.NoError(t, err)
	go e.Run()
	t.Cleanup(e.Close)
	return e
}

func recv[T any](t *testing.T, ch <-chan T) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(wait):
		t.Fatalf("nothing arrived within %s", wait)
		panic("unreachable")
	}
}

func TestNewRejectsHostThatIsNotAnIP(t *testing.T) {
	_, err := New(Config{Host: "localhost", DataDir: t.TempDir()})
	require.ErrorContains(t, err, "not an IP address")
}

func TestLoopRunsPostedClosuresInOrder(t *testing.T) {
	e := startEnv(t)
	var got []int
	for i := range 100 {
		require.True(t, e.Post(func() { got = append(got, i) }))
	}
	require.True(t, e.Do(func() {}))
	for i, v := range got {
		require.Equal(t, i, v)
	}
	require.Len(t, got, 100)
}

func TestDoAfterCloseReportsFalse(t *testing.T) {
	e := startEnv(t)
	e.Close()
	require.False(t, e.Do(func() { t.Error("ran after close") }))
}

func TestStoppedTimerNeverFires(t *testing.T) {
	e := startEnv(t)
	fired := make(chan string, 2)
	e.Do(func() {
		tm := e.AfterFunc(20*time.Millisecond, func() { fired <- "stopped" })
		require.True(t, tm.Stop())
		require.False(t, tm.Stop())
		e.AfterFunc(40*time.Millisecond, func() { fired <- "kept" })
	})
	require.Equal(t, "kept", recv(t, fired))
	select {
	case v := <-fired:
		t.Fatalf("unexpected timer %q fired", v)
	default:
	}
}

func TestDatagramsArrive(t *testing.T) {
	a, b := startEnv(t), startEnv(t)
	got := make(chan string, 1)
	var addr string
	b.Do(func() {
		pc, err := b.Net().ListenPacket(0, func(from netsim.Addr, p []byte) { got <- string(p) })
		require.NoError(t, err)
		addr = pc.LocalAddr()
	})
	a.Do(func() {
		pc, err := a.Net().ListenPacket(0, func(netsim.Addr, []byte) {})
		require.NoError(t, err)
		require.NoError(t, pc.WriteTo([]byte("ping"), addr))
		require.ErrorIs(t, pc.WriteTo(make([]byte, netsim.MaxDatagramBytes+1), addr), netsim.ErrTooLarge)
	})
	require.Equal(t, "ping", recv(t, got))
}

// recorder is a StreamHandler that reports events on channels.
type recorder struct {
	msgs   chan string
	closed chan error
}

func newRecorder() *recorder {
	return &recorder{msgs: make(chan string, 1000), closed: make(chan error, 1)}
}

func (r *recorder) HandleMessage(_ netsim.Stream, msg []byte) { r.msgs <- string(msg) }
func (r *recorder) HandleClose(_ netsim.Stream, err error)    { r.closed <- err }

func TestStreamCarriesMessagesInOrderAndClosesBothEnds(t *testing.T) {
	srv, cli := startEnv(t), startEnv(t)
	server := newRecorder()
	var addr string
	srv.Do(func() {
		ln, err := srv.Net().Listen(0, func(netsim.Stream) netsim.StreamHandler { return server })
		require.NoError(t, err)
		addr = ln.Addr()
	})
	client := newRecorder()
	var s netsim.Stream
	cli.Do(func() {
		s = cli.Net().Dial(addr, client)
		for i := range 500 {
			require.NoError(t, s.Send([]byte(fmt.Sprint(i))))
		}
	})
	for i := range 500 {
		require.Equal(t, fmt.Sprint(i), recv(t, server.msgs))
	}
	cli.Do(func() { require.NoError(t, s.Close()) })
	require.ErrorIs(t, recv(t, client.closed), netsim.ErrClosed)
	require.ErrorIs(t, recv(t, server.closed), netsim.ErrBroken)
	cli.Do(func() { require.ErrorIs(t, s.Send([]byte("late")), netsim.ErrClosed) })
}

func TestDialWithoutListenerEndsUnreachable(t *testing.T) {
	e := startEnv(t)
	var addr string
	e.Do(func() {
		ln, err := e.Net().Listen(0, func(netsim.Stream) netsim.StreamHandler { return newRecorder() })
		require.NoError(t, err)
		addr = ln.Addr()
		require.NoError(t, ln.Close())
	})
	r := newRecorder()
	e.Do(func() { e.Net().Dial(addr, r) })
	err := recv(t, r.closed)
	require.True(t, errors.Is(err, netsim.ErrUnreachable), "got %v", err)
}

func TestDiskWritesSyncsRenamesAndLists(t *testing.T) {
	d, err := NewDisk(t.TempDir())
	require.NoError(t, err)
	require.NoError(t, d.MkdirAll("raft/log"))
	f, err := d.Create("raft/log/tmp")
	require.NoError(t, err)
	_, err = f.Write([]byte("hello "))
	require.NoError(t, err)
	_, err = f.Write([]byte("world"))
	require.NoError(t, err)
	require.EqualValues(t, 11, f.Size())
	require.NoError(t, f.Sync())
	require.NoError(t, f.Truncate(5))
	require.EqualValues(t, 5, f.Size())
	require.NoError(t, f.Close())
	require.NoError(t, d.Rename("raft/log/tmp", "raft/log/seg"))
	require.NoError(t, d.SyncDir("raft/log"))
	b, err := d.ReadFile("raft/log/seg")
	require.NoError(t, err)
	require.Equal(t, "hello", string(b))
	names, err := d.ReadDir("raft/log")
	require.NoError(t, err)
	require.Equal(t, []string{"seg"}, names)
	_, err = d.Open("raft/log/tmp")
	require.ErrorIs(t, err, netsim.ErrNotExist)
}

func TestDiskRejectsNamesOutsideItsRoot(t *testing.T) {
	d, err := NewDisk(t.TempDir())
	require.NoError(t, err)
	for _, name := range []string{"../x", "/etc/passwd", "a/../../x"} {
		_, err := d.Create(name)
		require.ErrorContains(t, err, "escapes the data dir", name)
	}
}

func TestSyncAsyncCallsBackOnTheLoop(t *testing.T) {
	e := startEnv(t)
	// synced is touched only on the loop, by done and by the Do below:
	// if done ran on another goroutine, the race detector would say so.
	var synced []error
	called := make(chan struct{})
	require.True(t, e.Do(func() {
		f, err := e.Disk().Create("seg")
		require.NoError(t, err)
		_, err = f.Write([]byte("record"))
		require.NoError(t, err)
		f.SyncAsync(func(err error) {
			synced = append(synced, err)
			close(called)
		})
		require.Empty(t, synced, "done must not run inside SyncAsync")
	}))
	recv(t, called)
	var content []byte
	require.True(t, e.Do(func() {
		require.Equal(t, []error{nil}, synced)
		var err error
		content, err = e.Disk().ReadFile("seg")
		require.NoError(t, err)
	}))
	require.Equal(t, "record", string(content))
}
