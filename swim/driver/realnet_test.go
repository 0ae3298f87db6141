package driver_test

import (
	"crypto/rand"
	"fmt"
	"testing"
	"time"

	"github.com/cairn-sd/cairn/internal/osenv"
	"github.com/cairn-sd/cairn/swim"
	"github.com/cairn-sd/cairn/swim/driver"
	"github.com/stretchr/testify/require"
)

// These tests run members over real UDP and TCP sockets on 127.0.0.1, each
// on its own osenv event loop, exactly as an agent does. They assert
// outcomes within generous bounds, never how fast something happened: the
// machine running them may be loaded.

// realWait bounds each wait for convergence or rejoin.
const realWait = time.Minute

// realNode is one member with its Env and data directory.
type realNode struct {
	name string
	dir  string
	port int
	env  *osenv.Env
	node *driver.Node
}

// newKey returns a fresh base64 `encrypt` key.
func newKey(t *testing.T) string {
	k := make([]byte, 32)
	_, err := rand.Read(k)
	require.NoError(t, err)
	return swim.EncodeKey(k)
}

// startReal boots a member on dir and port (0 picks one) that retry-joins
// join every second.
func startReal(t *testing.T, name, dir string, port int, key string, join []string) *realNode {
	t.Helper()
	env, err := osenv.New(osenv.Config{Host: "127.0.0.1", DataDir: dir})
	require.NoError(t, err)
	go env.Run()
	t.Cleanup(env.Close)
	sc := swim.LocalConfig()
	sc.Name = name
	cfg := driver.Config{Swim: sc, Port: port, KeyringFile: "serf/local.keyring", EncryptKey: key,
		RetryJoin: join, RetryJoinInterval: time.Second}
	r := &realNode{name: name, dir: dir, env: env}
	require.True(t, env.Do(func() { r.node, err = driver.Start(env, cfg) }))
	require.NoError(t, err, name)
	r.port, err = portOfAddr(r.node.Addr())
	require.NoError(t, err)
	return r
}

func portOfAddr(addr string) (int, error) {
	var port int
	_, err := fmt.Sscanf(addr, "127.0.0.1:%d", &port)
	return port, err
}

// view reads a member's state on its loop.
func (r *realNode) view() (members []swim.NodeInfo, stats swim.Stats, joining bool) {
	r.env.Do(func() {
		members, stats, joining = r.node.Member().Members(), r.node.Member().Stats(), r.node.Joining()
	})
	return members, stats, joining
}

// stateOf is what r believes of node; ok is false if it has not heard of it.
func (r *realNode) stateOf(node string) (info swim.NodeInfo, ok bool) {
	members, _, _ := r.view()
	for _, m := range members {
		if m.Name == node {
			return m, true
		}
	}
	return swim.NodeInfo{}, false
}

// eventually polls cond until it holds or limit passes.
func eventually(t *testing.T, limit time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %v", what, limit)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// allSee reports whether every member of pool believes node is in state
// want and, if minInc is positive, at an incarnation of at least minInc.
func allSee(pool []*realNode, node string, want swim.State, minInc uint32) bool {
	for _, r := range pool {
		if r.name == node {
			continue
		}
		info, ok := r.stateOf(node)
		if !ok || info.State != want || info.Incarnation < minInc {
			return false
		}
	}
	return true
}

func TestRealSocketsPoolDetectsAKilledMemberWhichRejoinsAndRefusesAForeignKey(t *testing.T) {
	const n = 5
	key := newKey(t)
	pool := []*realNode{startReal(t, "real0", t.TempDir(), 0, key, nil)}
	seedAddr := pool[0].node.Addr()
	pool[0].env.Do(func() { require.NoError(t, pool[0].node.Join([]string{seedAddr})) })
	for i := 1; i < n; i++ {
		pool = append(pool, startReal(t, fmt.Sprintf("real%d", i), t.TempDir(), 0, key, []string{seedAddr}))
	}
	converged := func(pool []*realNode) func() bool {
		return func() bool {
			for _, r := range pool {
				if !allSee(pool, r.name, swim.StateAlive, 0) {
					return false
				}
			}
			return true
		}
	}
	eventually(t, realWait, "five members converge", converged(pool))
	for _, r := range pool {
		_, stats, joining := r.view()
		require.False(t, joining, r.name)
		require.Zero(t, stats.DecryptFailures, r.name)
	}

	// kill -9: the Env closes its sockets, the member says nothing.
	victim := pool[3]
	before, ok := pool[0].stateOf(victim.name)
	require.True(t, ok)
	victim.env.Close()
	killedAt := time.Now()
	rest := append(append([]*realNode{}, pool[:3]...), pool[4:]...)
	bound := max(30*time.Second, 2*detectionBound(swim.LocalConfig(), n))
	eventually(t, bound, "every other member declares the killed one failed", func() bool {
		return allSee(rest, victim.name, swim.StateDead, 0)
	})
	t.Logf("%s seen failed by all after %v (bound %v)", victim.name, time.Since(killedAt).Round(time.Millisecond), bound)

	// Restart on the same data dir and port: the keyring comes from the
	// file (no key given), and the member refutes its death.
	pool[3] = startReal(t, victim.name, victim.dir, victim.port, "", []string{seedAddr})
	require.Equal(t, victim.node.Addr(), pool[3].node.Addr())
	restartedAt := time.Now()
	eventually(t, realWait, "the restarted member is alive everywhere at a higher incarnation", func() bool {
		return allSee(pool, victim.name, swim.StateAlive, before.Incarnation+1) && converged(pool)()
	})
	after, _ := pool[0].stateOf(victim.name)
	t.Logf("%s alive again everywhere after %v at incarnation %d (was %d)", victim.name,
		time.Since(restartedAt).Round(time.Millisecond), after.Incarnation, before.Incarnation)

	// A sixth member with another key is refused: nobody learns of it, it
	// learns of nobody, and the pool counts the packets it could not open.
	refusedBefore := uint64(0)
	for _, r := range pool {
		_, stats, _ := r.view()
		refusedBefore += stats.DecryptFailures
	}
	stranger := startReal(t, "stranger", t.TempDir(), 0, newKey(t), []string{seedAddr})
	eventually(t, realWait, "the pool counts the stranger's refused packets", func() bool {
		refused := uint64(0)
		for _, r := range pool {
			_, stats, _ := r.view()
			refused += stats.DecryptFailures
		}
		return refused >= refusedBefore+3
	})
	members, _, joining := stranger.view()
	require.Len(t, members, 1)
	require.True(t, joining, "the stranger keeps retrying")
	for _, r := range pool {
		_, ok := r.stateOf(stranger.name)
		require.False(t, ok, "%s heard of the stranger", r.name)
	}
	eventually(t, realWait, "the pool is whole, the stranger aside (a loaded machine may have a member suspected for a moment)", converged(pool))
}
