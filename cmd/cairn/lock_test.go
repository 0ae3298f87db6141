package main

import (
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// waitForGo is a child script that marks it started, waits until the
// test creates the file go, then marks it finished.
func waitForGo(dir, name string) string {
	return "touch " + filepath.Join(dir, name+".started") + "; while [ ! -f " + filepath.Join(dir, "go") +
		" ]; do sleep 0.02; done; touch " + filepath.Join(dir, name+".finished")
}

// TestLockRunsTheChildWhileHeldAndTryFailsUntilReleased checks mutual
// exclusion end to end: the child runs holding PREFIX/.lock, a second
// lock -try on the prefix fails without running its child, and succeeds
// once the first child exits; at exit the key and session are gone.
func TestLockRunsTheChildWhileHeldAndTryFailsUntilReleased(t *testing.T) {
	c := startRealAgent(t)
	dir := t.TempDir()
	_, done := startCommand(lockCmd, "-verbose", "-name=elector", "app/leader", waitForGo(dir, "first"))
	waitFile(t, filepath.Join(dir, "first.started"))

	pair := kvRead(t, c, "app/leader/.lock")
	require.NotNil(t, pair)
	require.NotEmpty(t, pair.Session)
	require.Equal(t, lockFlagValue, pair.Flags)
	var held []struct{ Name, TTL, Behavior string }
	require.NoError(t, c.getJSON("/v1/session/info/"+pair.Session, nil, &held))
	require.Len(t, held, 1)
	require.Equal(t, "elector", held[0].Name)
	require.Equal(t, "15s", held[0].TTL)
	require.Equal(t, "release", held[0].Behavior)

	second := "touch " + filepath.Join(dir, "second")
	code, _, errOut := runCairn("lock", "-try", "app/leader", second)
	require.Equal(t, 1, code)
	require.Equal(t, "Shutdown triggered or timeout during lock acquisition\n", errOut)
	require.False(t, fileExists(filepath.Join(dir, "second")))

	require.NoError(t, os.WriteFile(filepath.Join(dir, "go"), nil, 0o600))
	r := awaitResult(t, done)
	require.Equal(t, 0, r.code, r.stderr)
	require.Contains(t, r.stderr, "Child terminated, releasing lock")
	require.True(t, fileExists(filepath.Join(dir, "first.finished")))

	code, _, errOut = runCairn("lock", "-try", "app/leader", second)
	require.Equal(t, 0, code, errOut)
	require.True(t, fileExists(filepath.Join(dir, "second")))
	require.Nil(t, kvRead(t, c, "app/leader/.lock"), "an unused lock's key is deleted at exit")
	var sessions []map[string]any
	require.NoError(t, c.getJSON("/v1/session/list", nil, &sessions))
	require.Empty(t, sessions, "every session lock created was destroyed")
}

// TestLockStopsTheChildWhenTheSessionIsDestroyed checks lock loss: once
// the session holding the lock is destroyed behind lock's back, the
// child gets SIGTERM and lock exits 1.
func TestLockStopsTheChildWhenTheSessionIsDestroyed(t *testing.T) {
	c := startRealAgent(t)
	dir := t.TempDir()
	child := "trap 'touch " + filepath.Join(dir, "term") + "; exit 0' TERM; touch " + filepath.Join(dir, "started") +
		"; while true; do sleep 0.02; done"
	_, done := startCommand(lockCmd, "app/lost", child)
	waitFile(t, filepath.Join(dir, "started"))

	pair := kvRead(t, c, "app/lost/.lock")
	require.NotNil(t, pair)
	_, err := c.do(http.MethodPut, "/v1/session/destroy/"+pair.Session, nil, nil)
	require.NoError(t, err)

	r := awaitResult(t, done)
	require.Equal(t, 1, r.code)
	require.Contains(t, r.stderr, "Lock lost, killing child")
	require.True(t, fileExists(filepath.Join(dir, "term")), "the child got SIGTERM")
}

// TestLockSemaphoreAdmitsTwoHoldersAndRefusesAThird checks -n 2: two
// children run at once, a third -try fails, a disagreeing -n is refused,
// and a slot frees when a holder exits.
func TestLockSemaphoreAdmitsTwoHoldersAndRefusesAThird(t *testing.T) {
	c := startRealAgent(t)
	dir := t.TempDir()
	_, done1 := startCommand(lockCmd, "-n", "2", "app/pool", waitForGo(dir, "one"))
	_, done2 := startCommand(lockCmd, "-n=2", "app/pool", waitForGo(dir, "two"))
	waitFile(t, filepath.Join(dir, "one.started"))
	waitFile(t, filepath.Join(dir, "two.started"))

	pair := kvRead(t, c, "app/pool/.lock")
	require.NotNil(t, pair)
	require.Equal(t, semaphoreFlagValue, pair.Flags)
	var doc semaphoreDoc
	require.NoError(t, json.Unmarshal(pair.Value, &doc))
	require.Equal(t, 2, doc.Limit)
	require.Len(t, doc.Holders, 2)

	third := "touch " + filepath.Join(dir, "third")
	code, _, errOut := runCairn("lock", "-n=2", "-try", "app/pool", third)
	require.Equal(t, 1, code)
	require.Equal(t, "Shutdown triggered or timeout during lock acquisition\n", errOut)
	code, _, errOut = runCairn("lock", "-n=3", "-try", "app/pool", third)
	require.Equal(t, 1, code)
	require.Contains(t, errOut, "semaphore limit conflict (lock: 2, local: 3)")
	code, _, errOut = runCairn("lock", "-try", "app/pool", third)
	require.Equal(t, 1, code, "a plain lock refuses a semaphore's prefix")
	require.Contains(t, errOut, errLockConflict.Error())
	require.False(t, fileExists(filepath.Join(dir, "third")))
	var keys []string
	require.NoError(t, c.getJSON("/v1/kv/app/pool/", url.Values{"keys": {""}}, &keys))
	require.Len(t, keys, 3, "the .lock document and two contenders: a refused contender deletes its key")

	require.NoError(t, os.WriteFile(filepath.Join(dir, "go"), nil, 0o600))
	for _, done := range []<-chan cmdResult{done1, done2} {
		r := awaitResult(t, done)
		require.Equal(t, 0, r.code, r.stderr)
	}
	code, _, errOut = runCairn("lock", "-n=2", "-try", "app/pool", third)
	require.Equal(t, 0, code, errOut)
	require.True(t, fileExists(filepath.Join(dir, "third")))
}

// TestLockChildExitCodeAndTimeout checks -child-exit-code, the default
// that ignores the child's status, -shell, CONSUL_LOCK_HELD, -pass-stdin,
// and -timeout giving up on a held lock.
func TestLockChildExitCodeAndTimeout(t *testing.T) {
	startRealAgent(t)
	code, _, errOut := runCairn("lock", "app/code", "exit 3")
	require.Equal(t, 0, code, errOut)
	code, _, _ = runCairn("lock", "-child-exit-code", "app/code", "exit 3")
	require.Equal(t, 2, code)
	code, out, errOut := runCairn("lock", "-shell=false", "app/code", "echo", "$CONSUL_LOCK_HELD")
	require.Equal(t, 0, code, errOut)
	require.Equal(t, "$CONSUL_LOCK_HELD\n", out, "without a shell the arguments reach the child as they are")
	code, out, _ = runCairn("lock", "app/code", "echo", "$CONSUL_LOCK_HELD")
	require.Equal(t, 0, code)
	require.Equal(t, "true\n", out)
	withStdin(t, "from stdin")
	code, out, _ = runCairn("lock", "-pass-stdin", "app/code", "cat")
	require.Equal(t, 0, code)
	require.Equal(t, "from stdin", out)
	code, out, _ = runCairn("lock", "app/code", "cat")
	require.Equal(t, 0, code)
	require.Empty(t, out, "without -pass-stdin the child reads nothing")

	dir := t.TempDir()
	_, done := startCommand(lockCmd, "app/code", waitForGo(dir, "holder"))
	waitFile(t, filepath.Join(dir, "holder.started"))
	code, _, errOut = runCairn("lock", "-timeout=200ms", "app/code", "true")
	require.Equal(t, 1, code)
	require.Equal(t, "Shutdown triggered or timeout during lock acquisition\n", errOut)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "go"), nil, 0o600))
	require.Equal(t, 0, awaitResult(t, done).code)
}

// TestLockRejectsBadUsage checks the one-line usage errors, which reach
// no agent.
func TestLockRejectsBadUsage(t *testing.T) {
	a := newFakeAgent(t, nil)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"lock"}, "Key prefix and child command must be specified\n"},
		{[]string{"lock", "app/x"}, "Key prefix and child command must be specified\n"},
		{[]string{"lock", "-n=0", "app/x", "true"}, "Lock holder limit must be positive\n"},
		{[]string{"lock", "-timeout=-1s", "app/x", "true"}, "Timeout must be positive\n"},
		{[]string{"lock", "-monitor-retry=-1", "app/x", "true"}, "Number for 'monitor-retry' must be >= 0\n"},
		{[]string{"lock", "/", "true"}, "Key prefix must not be empty\n"},
	} {
		code, out, errOut := runCairn(tc.args...)
		require.Equal(t, 1, code, tc.args)
		require.Empty(t, out)
		require.Equal(t, tc.want, errOut, tc.args)
	}
	code, _, errOut := runCairn("lock", "-try=soon", "app/x", "true")
	require.Equal(t, 1, code)
	require.Contains(t, errOut, "invalid boolean value \"soon\" for -try")
	require.Empty(t, a.seen())
}

// TestTryFlagTakesABareSwitchOrADuration checks both spellings of -try.
func TestTryFlagTakesABareSwitchOrADuration(t *testing.T) {
	var f tryFlag
	require.NoError(t, f.Set("true"))
	require.Equal(t, tryFlag{once: true}, f)
	require.Equal(t, "true", f.String())
	require.NoError(t, f.Set("5s"))
	require.Equal(t, tryFlag{timeout: 5 * time.Second}, f)
	require.Equal(t, "5s", f.String())
	require.Error(t, f.Set("soon"))
}

// TestLockMonitorRetriesServerErrorsUpToMonitorRetry checks the monitor:
// server errors and broken connections are retried -monitor-retry times
// in a row with a non-blocking read, a refusal is not, and a key that no
// longer names the session is a lost lock.
func TestLockMonitorRetriesServerErrorsUpToMonitorRetry(t *testing.T) {
	old := monitorRetryWait
	monitorRetryWait = time.Millisecond
	t.Cleanup(func() { monitorRetryWait = old })
	serverErr := &statusError{code: 500, body: "No cluster leader"}
	refusal := &statusError{code: 403, body: "Permission denied"}
	type answer struct {
		held bool
		err  error
	}
	for _, tc := range []struct {
		name    string
		retries int
		answers []answer
		want    error
		indexes []uint64
	}{
		{"lost after retried errors", 2, []answer{{true, nil}, {false, serverErr},
			{false, &connError{addr: "a", err: errMalformed}}, {false, nil}}, errLockLost, []uint64{0, 1, 0, 0}},
		{"too many errors in a row", 1, []answer{{true, nil}, {false, serverErr}, {false, serverErr}},
			serverErr, []uint64{0, 1, 0}},
		{"a refusal is not retried", 3, []answer{{false, refusal}}, refusal, []uint64{0}},
	} {
		var indexes []uint64
		err := monitorLoop(t.Context(), tc.retries, func(index uint64) (bool, uint64, error) {
			indexes = append(indexes, index)
			a := tc.answers[len(indexes)-1]
			return a.held, uint64(len(indexes)), a.err
		})
		require.ErrorIs(t, err, tc.want, tc.name)
		require.Equal(t, tc.indexes, indexes, tc.name)
	}
}
