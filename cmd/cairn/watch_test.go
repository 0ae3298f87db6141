package main

import (
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// handlerRuns reads the runs a recording handler appended to path: one
// line of JSON per run; a line not yet ended is not counted.
func handlerRuns(t *testing.T, path string) []kvPair {
	t.Helper()
	data, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		return nil
	}
	require.NoError(t, err)
	var runs []kvPair
	lines := strings.Split(string(data), "\n")
	// The last element is "" or a line the handler is still writing.
	for _, line := range lines[:len(lines)-1] {
		var p kvPair
		require.NoError(t, json.Unmarshal([]byte(line), &p), line)
		runs = append(runs, p)
	}
	return runs
}

// waitRuns waits (bounded) until the handler has run n times.
func waitRuns(t *testing.T, path string, n int) []kvPair {
	t.Helper()
	require.Eventually(t, func() bool { return len(handlerRuns(t, path)) >= n }, realAgentWait, 10*time.Millisecond)
	return handlerRuns(t, path)
}

// TestWatchKeyRunsTheHandlerOnChangesOnly checks a key watch: the first
// result runs the handler with the pair on stdin and CONSUL_INDEX set;
// a write to another key does not run it; a change of the key does, and
// so does its deletion.
func TestWatchKeyRunsTheHandlerOnChangesOnly(t *testing.T) {
	c := startRealAgent(t)
	kvPut(t, c, "app/k", "v1")
	dir := t.TempDir()
	runs, indexes := filepath.Join(dir, "runs"), filepath.Join(dir, "indexes")
	stop, done := startCommand(watchCmd, "-type=key", "-key=app/k",
		"echo \"$CONSUL_INDEX\" >> "+indexes+"; cat >> "+runs)

	first := waitRuns(t, runs, 1)
	require.Equal(t, "app/k", first[0].Key)
	require.Equal(t, "v1", string(first[0].Value))
	index, err := os.ReadFile(indexes)
	require.NoError(t, err)
	require.NotEqual(t, "0", strings.TrimSpace(string(index)))

	kvPut(t, c, "app/other", "v1")
	kvPut(t, c, "app/k", "v2")
	got := waitRuns(t, runs, 2)
	require.Len(t, got, 2, "the write to app/other ran no handler")
	require.Equal(t, "v2", string(got[1].Value))

	_, err = c.do(http.MethodDelete, kvPath("app/k"), nil, nil)
	require.NoError(t, err)
	got = waitRuns(t, runs, 3)
	require.Equal(t, kvPair{}, got[2], "a deleted key reaches the handler as null")
	data, err := os.ReadFile(runs)
	require.NoError(t, err)
	require.True(t, strings.HasSuffix(string(data), "\nnull\n"))

	stop()
	r := awaitResult(t, done)
	require.Equal(t, 0, r.code, r.stderr)
	require.Len(t, handlerRuns(t, runs), 3)
}

// TestWatchWithoutHandlerPrintsOnceAndExits checks Consul's behaviour
// with no handler: the first result, indented, then exit 0.
func TestWatchWithoutHandlerPrintsOnceAndExits(t *testing.T) {
	c := startRealAgent(t)
	kvPut(t, c, "cfg/a", "1")
	kvPut(t, c, "cfg/b", "2")

	code, out, errOut := runCairn("watch", "-type=keyprefix", "-prefix=cfg/")
	require.Equal(t, 0, code, errOut)
	var pairs []kvPair
	require.NoError(t, json.Unmarshal([]byte(out), &pairs))
	require.Len(t, pairs, 2)
	require.Equal(t, "cfg/b", pairs[1].Key)
	require.Contains(t, out, "\n    {", "the output is indented")

	code, out, errOut = runCairn("watch", "-type=nodes")
	require.Equal(t, 0, code, errOut)
	require.Contains(t, out, `"Node": "node1"`)

	code, out, _ = runCairn("watch", "-type=keyprefix", "-prefix=none/")
	require.Equal(t, 0, code)
	require.Equal(t, "null\n", out, "an empty prefix is a result, as in Consul")

	code, _, errOut = runCairn("event", "-name=deploy", "v1")
	require.Equal(t, 0, code, errOut)
	require.Eventually(t, func() bool {
		code, out, _ = runCairn("watch", "-type=event", "-name=deploy")
		return code == 0 && strings.Contains(out, `"Name": "deploy"`)
	}, realAgentWait, 50*time.Millisecond, "an event watch shows the agent's events of that name")
}

// TestWatchRejectsBadUsage checks the type and parameter checks.
func TestWatchRejectsBadUsage(t *testing.T) {
	a := newFakeAgent(t, nil)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"watch"}, "Watch type must be specified\n"},
		{[]string{"watch", "-type=key"}, "Must specify a single key to watch\n"},
		{[]string{"watch", "-type=keyprefix"}, "Must specify a single prefix to watch\n"},
		{[]string{"watch", "-type=service"}, "Must specify a single service to watch\n"},
		{[]string{"watch", "-type=key", "-key=a", "-tag=x"}, "Invalid parameter for watch type key: -tag\n"},
		{[]string{"watch", "-type=checks", "-service=a", "-state=passing"}, "Cannot specify service and state\n"},
		{[]string{"watch", "-type=bogus"}, "Unsupported watch type: bogus (want one of key, keyprefix, services, nodes, service, checks, event)\n"},
		{[]string{"watch", "-type=event", "-key=k"}, "Invalid parameter for watch type event: -key\n"},
	} {
		code, out, errOut := runCairn(tc.args...)
		require.Equal(t, 1, code, tc.args)
		require.Empty(t, out)
		require.Equal(t, tc.want, errOut, tc.args)
	}
	require.Empty(t, a.seen())
}

// TestWatchQueriesByType checks the path and parameters of each type.
func TestWatchQueriesByType(t *testing.T) {
	for _, tc := range []struct {
		p     watchParams
		path  string
		query string
	}{
		{watchParams{typ: "key", key: "/a/b"}, "/v1/kv/a/b", ""},
		{watchParams{typ: "keyprefix", prefix: "a/"}, "/v1/kv/a/", "recurse="},
		{watchParams{typ: "services"}, "/v1/catalog/services", ""},
		{watchParams{typ: "nodes"}, "/v1/catalog/nodes", ""},
		{watchParams{typ: "service", service: "web", tag: "v2", passing: true}, "/v1/health/service/web", "passing=&tag=v2"},
		{watchParams{typ: "checks", service: "web"}, "/v1/health/checks/web", ""},
		{watchParams{typ: "checks", state: "critical"}, "/v1/health/state/critical", ""},
		{watchParams{typ: "checks"}, "/v1/health/state/any", ""},
	} {
		q, err := newWatchQuery(tc.p)
		require.NoError(t, err, tc.p)
		require.Equal(t, tc.path, q.path, tc.p)
		require.Equal(t, tc.query, q.query.Encode(), tc.p)
	}
}

// fakeAnswer is one answer of a fake agent to a blocking query.
type fakeAnswer struct {
	code  int
	index string
	body  string
}

// runFakeWatch runs a watch of q against a fake agent that gives the
// answers in order (then holds the query until the watch ends), until
// the handler has run want times. It returns the data each run got and
// the ?index of every query sent.
func runFakeWatch(t *testing.T, q *watchQuery, answers []fakeAnswer, want int) (runs, indexes []string) {
	var n atomic.Int32
	a := newFakeAgent(t, map[string]http.HandlerFunc{"GET " + q.path: func(w http.ResponseWriter, r *http.Request) {
		i := int(n.Add(1)) - 1
		if i >= len(answers) {
			<-r.Context().Done()
			return
		}
		w.Header().Set("X-Consul-Index", answers[i].index)
		w.WriteHeader(answers[i].code)
		io.WriteString(w, answers[i].body)
	}})
	w := &watcher{c: (&httpFlags{}).client(), q: q, stderr: io.Discard}
	code := w.run(t.Context(), func(index uint64, data json.RawMessage) (bool, error) {
		runs = append(runs, string(data))
		return len(runs) == want, nil
	})
	require.Equal(t, 0, code)
	for _, r := range a.seen() {
		indexes = append(indexes, r.Query.Get("index"))
	}
	return runs, indexes
}

// TestWatchRunsTheHandlerOnNewDataNotOnANewIndex checks the change test
// against a fake agent: the same data at a higher index runs nothing.
func TestWatchRunsTheHandlerOnNewDataNotOnANewIndex(t *testing.T) {
	runs, indexes := runFakeWatch(t, &watchQuery{path: "/v1/catalog/services"}, []fakeAnswer{
		{200, "10", `{"web":[]}`},
		{200, "11", `{"web": []}`},
		{200, "12", `{"web":[],"db":[]}`},
	}, 2)
	require.Equal(t, []string{`{"web":[]}`, `{"web":[],"db":[]}`}, runs)
	require.Equal(t, []string{"", "10", "11"}, indexes)
}

// TestWatchStartsOverWhenTheIndexGoesBackwards checks that an index
// lower than the last one makes the next query ask for index 0, and that
// the same data at the lower index runs nothing.
func TestWatchStartsOverWhenTheIndexGoesBackwards(t *testing.T) {
	runs, indexes := runFakeWatch(t, &watchQuery{path: "/v1/catalog/services"}, []fakeAnswer{
		{200, "10", `{"web":[]}`},
		{200, "5", `{"web":[]}`},
		{200, "6", `{"web":[],"db":[]}`},
	}, 2)
	require.Equal(t, []string{`{"web":[]}`, `{"web":[],"db":[]}`}, runs)
	require.Equal(t, []string{"", "10", ""}, indexes)
}

// TestWatchKeyWaitsForTheKeyAndReportsItsDeletion checks Consul's key
// watch: a missing key is no result (the first answer runs nothing), its
// creation runs the handler with the pair, its deletion with null.
func TestWatchKeyWaitsForTheKeyAndReportsItsDeletion(t *testing.T) {
	q, err := newWatchQuery(watchParams{typ: "key", key: "app/k"})
	require.NoError(t, err)
	runs, indexes := runFakeWatch(t, q, []fakeAnswer{
		{404, "3", ""},
		{200, "4", `[{"Key":"app/k","Value":"djE="}]`},
		{404, "5", ""},
	}, 2)
	require.Equal(t, []string{`{"Key":"app/k","Value":"djE="}`, ""}, runs)
	require.Equal(t, []string{"", "3", "4"}, indexes)
}

// TestWatchRetriesAfterAFailedQuery checks that an error answer is
// reported and retried with the same index after the backoff.
func TestWatchRetriesAfterAFailedQuery(t *testing.T) {
	old := watchRetryBase
	watchRetryBase = time.Millisecond
	t.Cleanup(func() { watchRetryBase = old })
	runs, indexes := runFakeWatch(t, &watchQuery{path: "/v1/catalog/nodes"}, []fakeAnswer{
		{200, "7", `[]`},
		{500, "", "No cluster leader"},
		{200, "8", `[{"Node":"n1"}]`},
	}, 2)
	require.Equal(t, []string{`[]`, `[{"Node":"n1"}]`}, runs)
	require.Equal(t, []string{"", "7", "7"}, indexes)
}

// TestWatchBackoffGrowsAndIsBounded checks the retry schedule.
func TestWatchBackoffGrowsAndIsBounded(t *testing.T) {
	require.Equal(t, watchRetryBase, watchBackoff(1))
	require.Equal(t, 4*watchRetryBase, watchBackoff(2))
	require.Equal(t, watchRetryMax, watchBackoff(100))
	require.Equal(t, watchRetryMax, watchBackoff(1<<40), "no overflow into a negative wait")
}
