package driver_test

import (
	"errors"
	"fmt"
	"io"
	"maps"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cairn-sd/cairn/internal/osenv"
	"github.com/cairn-sd/cairn/netsim"
	"github.com/cairn-sd/cairn/raft"
	"github.com/cairn-sd/cairn/raft/driver"
	"github.com/cairn-sd/cairn/raft/simcluster"
	"github.com/cairn-sd/cairn/raft/wal"
)

// realWait bounds every wait of the real-socket tests; nothing is timed.
const realWait = 30 * time.Second

// realServer is one server of a real-socket cluster: its Env, Server and
// state machine, all touched only on the Env's loop.
type realServer struct {
	name string
	dir  string
	addr string
	env  *osenv.Env
	srv  *driver.Server
	fsm  *simcluster.KV
	// tick is the driver's tick interval; the tests shorten it, the
	// failover benchmark keeps the default (zero).
	tick time.Duration
	// snapshotGate, if set, holds every snapshot's serialisation until it
	// is closed.
	snapshotGate chan struct{}
}

// gatedFSM is a state machine whose snapshots serialise only once gate is
// closed: a snapshot that takes as long as the test wants.
type gatedFSM struct {
	*simcluster.KV
	gate chan struct{}
}

func (g gatedFSM) Snapshot() (raft.SnapshotWriter, error) {
	w, err := g.KV.Snapshot()
	return gatedWriter{SnapshotWriter: w, gate: g.gate}, err
}

type gatedWriter struct {
	raft.SnapshotWriter
	gate chan struct{}
}

func (w gatedWriter) WriteTo(out io.Writer) (int64, error) {
	<-w.gate
	return w.SnapshotWriter.WriteTo(out)
}

// stateMachine is what the server runs: the KV map, gated if asked.
func (rs *realServer) stateMachine() raft.StateMachine {
	if rs.snapshotGate != nil {
		return gatedFSM{KV: rs.fsm, gate: rs.snapshotGate}
	}
	return rs.fsm
}

// startReal starts a server on 127.0.0.1. With addr "" it listens on a
// free port; otherwise on addr's port (a restart).
func startReal(t testing.TB, name, dir, addr string, conf *raft.Configuration) *realServer {
	t.Helper()
	env, err := osenv.New(osenv.Config{Host: "127.0.0.1", DataDir: dir})
	require.NoError(t, err)
	go env.Run()
	t.Cleanup(env.Close)
	rs := &realServer{name: name, dir: dir, env: env, fsm: simcluster.NewKV(), tick: 20 * time.Millisecond}
	port := 0
	if addr != "" {
		_, err := fmt.Sscanf(addr, "127.0.0.1:%d", &port)
		require.NoError(t, err)
	}
	var startErr error
	env.Do(func() {
		ln, err := env.Net().Listen(port, rs.accept)
		if err != nil {
			startErr = err
			return
		}
		rs.addr = ln.Addr()
	})
	require.NoError(t, startErr)
	if conf != nil {
		conf.Servers = append(conf.Servers, raft.Server{ID: raft.ServerID(name), Address: rs.addr})
	}
	return rs
}

// accept hands a peer's stream to the server, or refuses it while the
// server is not started yet.
func (rs *realServer) accept(s netsim.Stream) netsim.StreamHandler {
	if rs.srv == nil {
		s.Close()
		return ignoreStream{}
	}
	return rs.srv.Accept(s)
}

type ignoreStream struct{}

func (ignoreStream) HandleMessage(netsim.Stream, []byte) {}
func (ignoreStream) HandleClose(netsim.Stream, error)    {}

// run starts the Raft server on the Env, bootstrapping a fresh one.
func (rs *realServer) run(t testing.TB, conf raft.Configuration) {
	t.Helper()
	var err error
	rs.env.Do(func() {
		rs.srv, err = driver.Start(rs.env, driver.Config{
			ID: raft.ServerID(rs.name), Address: rs.addr, Port: -1, Dir: "raft", FSM: rs.stateMachine(),
			TickInterval: rs.tick, SnapshotThreshold: 4000, TrailingEntries: 500,
		})
		if err == nil {
			if berr := rs.srv.Bootstrap(conf); berr != nil && !errors.Is(berr, raft.ErrAlreadyBootstrapped) {
				err = berr
			}
		}
	})
	require.NoError(t, err)
}

func (rs *realServer) isLeader() bool {
	leader := false
	rs.env.Do(func() { leader = rs.srv.Status().Role == raft.Leader })
	return leader
}

func (rs *realServer) state() (uint64, map[string]string) {
	var applied uint64
	var data map[string]string
	rs.env.Do(func() { applied, data = rs.srv.Applied(), rs.fsm.Data() })
	return applied, data
}

func (rs *realServer) stats() (driver.Stats, wal.Stats) {
	var st driver.Stats
	var ws wal.Stats
	rs.env.Do(func() { st, ws = rs.srv.Stats() })
	return st, ws
}

func waitLeader(t testing.TB, servers []*realServer) *realServer {
	t.Helper()
	return waitLeaderPolling(t, servers, 10*time.Millisecond)
}

// waitLeaderPolling returns the first server seen leading, polling every
// interval, or fails after realWait.
func waitLeaderPolling(t testing.TB, servers []*realServer, interval time.Duration) *realServer {
	t.Helper()
	deadline := time.Now().Add(realWait)
	for time.Now().Before(deadline) {
		for _, s := range servers {
			if s.isLeader() {
				return s
			}
		}
		time.Sleep(interval)
	}
	t.Fatalf("no leader within %v", realWait)
	return nil
}

// writeAll proposes n puts on the leader with up to 64 in flight and
// returns the keys acknowledged as committed.
func writeAll(t testing.TB, leader *realServer, prefix string, n int) map[string]string {
	t.Helper()
	type result struct {
		key, value string
		err        error
	}
	results := make(chan result, n)
	inflight := make(chan struct{}, 64)
	for i := range n {
		select {
		case inflight <- struct{}{}:
		case <-time.After(realWait):
			t.Fatalf("64 proposals unanswered after %v", realWait)
		}
		k, v := fmt.Sprintf("%s%d", prefix, i), fmt.Sprint(i)
		ok := leader.env.Post(func() {
			leader.srv.Propose(simcluster.PutCommand(k, v), func(_ any, err error) {
				<-inflight
				results <- result{k, v, err}
			})
		})
		if !ok {
			<-inflight
			results <- result{k, v, driver.ErrStopped}
		}
	}
	acked := map[string]string{}
	for range n {
		select {
		case r := <-results:
			if r.err == nil {
				acked[r.key] = r.value
			}
		case <-time.After(realWait):
			t.Fatalf("proposals unanswered after %v", realWait)
		}
	}
	return acked
}

// waitCaughtUp waits until every server applied as far as the leader and
// holds the same state, and returns that state.
func waitCaughtUp(t *testing.T, leader *realServer, servers []*realServer) map[string]string {
	t.Helper()
	deadline := time.Now().Add(realWait)
	for {
		applied, want := leader.state()
		same := true
		for _, s := range servers {
			a, d := s.state()
			same = same && a == applied && maps.Equal(d, want)
		}
		if same {
			return want
		}
		if time.Now().After(deadline) {
			t.Fatalf("servers did not catch up with the leader within %v", realWait)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// startRealCluster starts three bootstrapped servers on 127.0.0.1 with the
// given tick interval (zero: the default) and returns them with their
// configuration.
func startRealCluster(t testing.TB, tick time.Duration) ([]*realServer, raft.Configuration) {
	t.Helper()
	var conf raft.Configuration
	var servers []*realServer
	for i := 1; i <= 3; i++ {
		servers = append(servers, startReal(t, fmt.Sprintf("s%d", i), t.TempDir(), "", &conf))
	}
	for _, s := range servers {
		s.tick = tick
		s.run(t, conf)
	}
	return servers, conf
}

func TestRealClusterSurvivesLeaderKillAndRestart(t *testing.T) {
	entries := 10000
	if testing.Short() {
		entries = 1000
	}
	servers, conf := startRealCluster(t, 20*time.Millisecond)
	leader := waitLeader(t, servers)
	acked := writeAll(t, leader, "a", entries)
	require.Len(t, acked, entries, "a healthy leader acknowledges every write")
	st, _ := leader.stats()
	require.NotZero(t, st.AsyncSyncs, "the leader's log fsyncs run beside its loop")

	leader.env.Close() // as kill -9: no goodbye, files stay as they are
	var rest []*realServer
	for _, s := range servers {
		if s != leader {
			rest = append(rest, s)
		}
	}
	next := waitLeader(t, rest)
	require.NotEqual(t, leader.name, next.name)
	maps.Copy(acked, writeAll(t, next, "b", entries/10))

	restarted := startReal(t, leader.name, leader.dir, leader.addr, nil)
	restarted.run(t, conf)
	state := waitCaughtUp(t, next, append(rest, restarted))
	for k, v := range acked {
		require.Equal(t, v, state[k], "acknowledged write %s lost", k)
	}
}

// TestSlowSnapshotDoesNotStopTheServer holds every snapshot's
// serialisation while the cluster commits past several snapshot
// thresholds: the servers go on committing (the file is written beside
// the loop) and no leader changes. Once the snapshots may proceed, every
// server records one, which it does after compacting its log behind it.
func TestSlowSnapshotDoesNotStopTheServer(t *testing.T) {
	gate := make(chan struct{})
	var conf raft.Configuration
	var servers []*realServer
	for i := 1; i <= 3; i++ {
		s := startReal(t, fmt.Sprintf("s%d", i), t.TempDir(), "", &conf)
		s.tick, s.snapshotGate = 20*time.Millisecond, gate
		servers = append(servers, s)
	}
	var opened sync.Once
	open := func() { opened.Do(func() { close(gate) }) }
	t.Cleanup(open) // before the Envs close, which wait for the snapshots
	for _, s := range servers {
		s.run(t, conf)
	}
	leader := waitLeader(t, servers)
	var term uint64
	leader.env.Do(func() { term = leader.srv.Status().HardState.Term })
	require.Len(t, writeAll(t, leader, "k", 10000), 10000, "every write commits while the snapshots wait")
	var after uint64
	leader.env.Do(func() { after = leader.srv.Status().HardState.Term })
	require.True(t, leader.isLeader())
	require.Equal(t, term, after, "no election meanwhile")
	for _, s := range servers {
		st, _ := s.stats()
		require.Zero(t, st.Snapshots, "%s finished a snapshot through the gate", s.name)
	}
	open()
	require.Eventually(t, func() bool {
		for _, s := range servers {
			if st, _ := s.stats(); st.Snapshots == 0 {
				return false
			}
		}
		return true
	}, realWait, 20*time.Millisecond, "every server snapshots and compacts once the gate opens")
}
