package e2e

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/hashicorp/consul/api"
	"github.com/stretchr/testify/require"
)

// lockCluster is the seed's three servers with two client agents beside
// them: each lock contender talks to its own agent, so that killing one
// agent invalidates only its contender's session.
type lockCluster struct {
	bin     string
	root    string
	key     string
	servers []*server
	agents  []*server
}

// startLockCluster starts three servers with bootstrap_expect 3 and two
// client agents, and waits until the catalog lists all five nodes.
func startLockCluster(t *testing.T) *lockCluster {
	t.Helper()
	bin := cairnBinary(t)
	root := t.TempDir()
	key := strings.TrimSpace(string(must(t, bin, "keygen")))
	first := startServer(t, bin, root, "server1", "4a1c2f9e-0d1b-4e7a-9c11-000000000001", key, nil)
	c := &lockCluster{bin: bin, root: root, key: key, servers: []*server{first,
		startServer(t, bin, root, "server2", "4a1c2f9e-0d1b-4e7a-9c11-000000000002", key, []string{first.serfLAN}),
		startServer(t, bin, root, "server3", "4a1c2f9e-0d1b-4e7a-9c11-000000000003", key, []string{first.serfLAN}),
	}}
	leaderOf(t, c.servers)
	c.addAgent(t)
	c.addAgent(t)
	return c
}

// addAgent starts one more client agent and waits until the catalog
// lists it.
func (c *lockCluster) addAgent(t *testing.T) *server {
	t.Helper()
	n := len(c.agents) + 1
	name, id := fmt.Sprintf("agent%d", n), fmt.Sprintf("4a1c2f9e-0d1b-4e7a-9c11-0000000001%02d", n)
	a := startAgent(t, c.bin, c.root, name, id, c.key, []string{c.servers[0].serfLAN}, false, nil)
	c.agents = append(c.agents, a)
	require.Eventually(t, func() bool {
		node, _, err := c.servers[0].client(t).Catalog().Node(name, nil)
		return err == nil && node != nil
	}, wait, 50*time.Millisecond, "%s joins and is registered", name)
	return a
}

// lockProcess is a running `cairn lock` and its child, in a process group
// of their own so that the cleanup ends both.
type lockProcess struct {
	cmd    *exec.Cmd
	out    *bytes.Buffer
	exited chan struct{}
}

// startLock runs `cairn lock PREFIX CHILD` against agent; the child
// appends name to marker once it holds the lock, then sleeps. `cairn
// lock` puts its child in a process group of its own, whose ID the child
// records beside marker, so that the cleanup ends it even when `cairn
// lock` itself cannot (its agent was killed and it waits on it).
func (c *lockCluster) startLock(t *testing.T, agent *server, prefix, name, marker string) *lockProcess {
	t.Helper()
	child := fmt.Sprintf("echo $$ >> %s.pids; echo %s >> %s; exec sleep 600", marker, name, marker)
	p := &lockProcess{cmd: exec.Command(c.bin, "lock", "-verbose", prefix, child), out: &bytes.Buffer{}, exited: make(chan struct{})}
	p.cmd.Env = append(os.Environ(), "CAIRN_HTTP_ADDR="+agent.httpURL, "CONSUL_HTTP_ADDR=", "SHELL=/bin/sh")
	p.cmd.Stdout, p.cmd.Stderr = p.out, p.out
	p.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	p.cmd.WaitDelay = 5 * time.Second
	require.NoError(t, p.cmd.Start())
	go func() { p.cmd.Wait(); close(p.exited) }()
	t.Cleanup(func() {
		syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
		killChildGroups(marker + ".pids")
		<-p.exited
	})
	return p
}

// killChildGroups kills the process groups whose IDs the lock children
// wrote into file.
func killChildGroups(file string) {
	b, _ := os.ReadFile(file)
	for _, f := range strings.Fields(string(b)) {
		if pid, err := strconv.Atoi(f); err == nil && pid > 1 {
			syscall.Kill(-pid, syscall.SIGKILL)
		}
	}
}

// done reports whether the lock process has exited.
func (p *lockProcess) done() bool {
	select {
	case <-p.exited:
		return true
	default:
		return false
	}
}

// awaitInvalidated waits until the servers no longer know session and
// returns how long after killed that was.
func awaitInvalidated(t *testing.T, c *lockCluster, session string, killed time.Time) time.Duration {
	t.Helper()
	sessions := c.servers[0].client(t).Session()
	require.Eventually(t, func() bool {
		s, _, err := sessions.Info(session, &api.QueryOptions{RequireConsistent: true})
		return err == nil && s == nil
	}, 3*wait, 100*time.Millisecond, "the servers invalidate the session of the killed agent")
	return time.Since(killed)
}

// holders returns the names the lock children wrote, in order.
func holders(marker string) []string {
	b, err := os.ReadFile(marker)
	if err != nil {
		return nil
	}
	return strings.Fields(string(b))
}

func TestLocksOnARealCluster(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and runs five processes; the full test run covers it")
	}
	c := startLockCluster(t)
	t.Run("CairnLockHandsOverAfterTheHoldersAgentIsKilled", func(t *testing.T) { testCairnLockHandOver(t, c) })
	t.Run("APILockHandsOverAfterTheHoldersAgentIsKilled", func(t *testing.T) { testAPILockHandOver(t, c) })
	t.Run("APISemaphoreAdmitsTwoOfThree", func(t *testing.T) { testAPISemaphore(t, c) })
	t.Run("TxnWithAFailingOperationInTheMiddleAppliesNothing", func(t *testing.T) { testTxnAllOrNothing(t, c) })
}

// testCairnLockHandOver: two `cairn lock` contenders, each on its own
// agent; the holder's agent is killed with SIGKILL; the other acquires
// once the servers have invalidated the session (serfHealth or TTL) and
// its lock-delay has passed. `cairn lock` creates its session with the
// default lock-delay (15 s), so the hand-over cannot come sooner than that
// after the kill.
func testCairnLockHandOver(t *testing.T, c *lockCluster) {
	marker := filepath.Join(c.root, "cairn-lock-holders")
	first := c.startLock(t, c.agents[0], "e2e/cairn-lock", "first", marker)
	require.Eventually(t, func() bool { return len(holders(marker)) == 1 }, wait, 50*time.Millisecond,
		"the first contender acquires; its output:\n%s", first.out)
	second := c.startLock(t, c.agents[1], "e2e/cairn-lock", "second", marker)

	kv := c.servers[0].client(t).KV()
	var held *api.KVPair
	require.Eventually(t, func() bool {
		p, _, err := kv.Get("e2e/cairn-lock/.lock", &api.QueryOptions{RequireConsistent: true})
		held = p
		return err == nil && p != nil && p.Session != ""
	}, wait, 50*time.Millisecond)
	require.Equal(t, []string{"first"}, holders(marker), "the second contender waits while the lock is held")

	killed := time.Now()
	c.agents[0].kill()
	invalidated := awaitInvalidated(t, c, held.Session, killed)
	require.Eventually(t, func() bool { return len(holders(marker)) == 2 || second.done() }, 3*wait, 100*time.Millisecond)
	handOver := time.Since(killed)
	require.Equal(t, []string{"first", "second"}, holders(marker), "the second contender takes over; its output:\n%s", second.out)
	t.Logf("session invalidated %v after the kill, lock taken over after %v", invalidated, handOver)
	require.GreaterOrEqual(t, handOver, 15*time.Second, "the lock-delay of the invalidated session was honoured")

	p, _, err := kv.Get("e2e/cairn-lock/.lock", &api.QueryOptions{RequireConsistent: true})
	require.NoError(t, err)
	require.NotEqual(t, held.Session, p.Session, "a new session holds the lock")
	require.Greater(t, p.LockIndex, held.LockIndex, "LockIndex grows with the acquisition: a fencing token")
}

// testAPILockHandOver: the official client's api.Lock, two contenders on
// two agents with a lock-delay of one second. The holder's agent is
// killed with SIGKILL; the other contender's Lock call returns once the
// servers have invalidated the session and the lock-delay has passed.
func testAPILockHandOver(t *testing.T, c *lockCluster) {
	holderAgent := c.addAgent(t)
	opts := func() *api.LockOptions {
		return &api.LockOptions{Key: "e2e/api-lock", LockDelay: time.Second, LockWaitTime: time.Second}
	}
	first, err := holderAgent.client(t).LockOpts(opts())
	require.NoError(t, err)
	lost, err := first.Lock(nil)
	require.NoError(t, err)
	require.NotNil(t, lost, "the first contender holds the lock")
	kv := c.servers[0].client(t).KV()
	held, _, err := kv.Get("e2e/api-lock", &api.QueryOptions{RequireConsistent: true})
	require.NoError(t, err)
	require.NotEmpty(t, held.Session)

	second, err := c.agents[1].client(t).LockOpts(opts())
	require.NoError(t, err)
	acquired := make(chan error, 1)
	go func() {
		lost, err := second.Lock(nil)
		if err == nil && lost == nil {
			err = fmt.Errorf("Lock returned without the lock")
		}
		acquired <- err
	}()
	select {
	case err := <-acquired:
		t.Fatalf("the second contender returned while the first held the lock: %v", err)
	case <-time.After(2 * time.Second):
	}

	killed := time.Now()
	holderAgent.kill()
	invalidated := awaitInvalidated(t, c, held.Session, killed)
	select {
	case err := <-acquired:
		require.NoError(t, err)
	case <-time.After(3 * wait):
		t.Fatal("the second contender never acquired the lock after the holder's agent was killed")
	}
	t.Logf("session invalidated %v after the kill, lock taken over after %v", invalidated, time.Since(killed))
	p, _, err := kv.Get("e2e/api-lock", &api.QueryOptions{RequireConsistent: true})
	require.NoError(t, err)
	require.NotEqual(t, held.Session, p.Session, "the second contender's session holds the lock")
	require.Greater(t, p.LockIndex, held.LockIndex)
	info, _, err := c.servers[0].client(t).Session().Info(p.Session, nil)
	require.NoError(t, err)
	require.NoError(t, second.Unlock())
	require.NoError(t, second.Destroy())
	require.Equal(t, c.agents[1].name, info.Node,
		"a session created through a client agent belongs to that agent's node, so that its failure invalidates the session")
}

// testAPISemaphore: the official client's api.Semaphore with limit 2 and
// three contenders on different agents: two hold it, the third is refused
// until one of them releases.
func testAPISemaphore(t *testing.T, c *lockCluster) {
	opts := func(tryOnce bool) *api.SemaphoreOptions {
		return &api.SemaphoreOptions{Prefix: "e2e/semaphore", Limit: 2, SemaphoreTryOnce: tryOnce, SemaphoreWaitTime: time.Second}
	}
	contenders := []*api.Client{c.agents[1].client(t), c.servers[1].client(t), c.servers[2].client(t)}
	var held []*api.Semaphore
	for _, client := range contenders[:2] {
		sem, err := client.SemaphoreOpts(opts(false))
		require.NoError(t, err)
		lost, err := sem.Acquire(nil)
		require.NoError(t, err)
		require.NotNil(t, lost)
		held = append(held, sem)
	}
	refused, err := contenders[2].SemaphoreOpts(opts(true))
	require.NoError(t, err)
	lost, err := refused.Acquire(nil)
	require.NoError(t, err)
	require.Nil(t, lost, "a third contender is refused while two hold the semaphore")

	third, err := contenders[2].SemaphoreOpts(opts(false))
	require.NoError(t, err)
	acquired := make(chan error, 1)
	go func() {
		lost, err := third.Acquire(nil)
		if err == nil && lost == nil {
			err = fmt.Errorf("Acquire returned without a slot")
		}
		acquired <- err
	}()
	require.NoError(t, held[0].Release())
	select {
	case err := <-acquired:
		require.NoError(t, err)
	case <-time.After(3 * wait):
		t.Fatal("the third contender never took the slot released")
	}
	require.NoError(t, third.Release())
	require.NoError(t, held[1].Release())
}

// testTxnAllOrNothing: a transaction through a client agent whose third
// of four operations fails applies none of them, and the answer names the
// failing operation.
func testTxnAllOrNothing(t *testing.T, c *lockCluster) {
	client := c.agents[1].client(t)
	kv := client.KV()
	_, err := kv.Put(&api.KVPair{Key: "e2e/txn/existing", Value: []byte("v")}, nil)
	require.NoError(t, err)
	existing, _, err := kv.Get("e2e/txn/existing", nil)
	require.NoError(t, err)

	ok, resp, _, err := client.Txn().Txn(api.TxnOps{
		{KV: &api.KVTxnOp{Verb: api.KVSet, Key: "e2e/txn/a", Value: []byte("1")}},
		{KV: &api.KVTxnOp{Verb: api.KVSet, Key: "e2e/txn/existing", Value: []byte("changed")}},
		{KV: &api.KVTxnOp{Verb: api.KVCheckIndex, Key: "e2e/txn/existing", Index: existing.ModifyIndex}},
		{KV: &api.KVTxnOp{Verb: api.KVSet, Key: "e2e/txn/b", Value: []byte("2")}},
	}, nil)
	require.NoError(t, err)
	require.False(t, ok, "the check-index after the set in the same transaction fails")
	require.Len(t, resp.Errors, 1)
	require.Equal(t, 2, resp.Errors[0].OpIndex)

	consistent := &api.QueryOptions{RequireConsistent: true}
	for _, key := range []string{"e2e/txn/a", "e2e/txn/b"} {
		p, _, err := kv.Get(key, consistent)
		require.NoError(t, err)
		require.Nil(t, p, "%s was not written", key)
	}
	p, _, err := kv.Get("e2e/txn/existing", consistent)
	require.NoError(t, err)
	require.Equal(t, "v", string(p.Value))
	require.Equal(t, existing.ModifyIndex, p.ModifyIndex, "the key the transaction set is untouched")
}
