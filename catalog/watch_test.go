package catalog

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// requireFired checks, without blocking, whether every channel of ws is
// closed (fired) or none is.
func requireFired(t *testing.T, ws *WatchSet, want bool, msg string) {
	t.Helper()
	require.Equal(t, want, ws.Fired(), msg)
	for _, ch := range ws.Channels() {
		closed := false
		select {
		case <-ch:
			closed = true
		default:
		}
		if !want {
			require.False(t, closed, msg)
		}
	}
}

func TestServiceWatchWakesOnlyForItsService(t *testing.T) {
	cases := []struct {
		name  string
		write func(a *applier)
		wake  bool
	}{
		{"other service registers", func(a *applier) { a.service("n2", "api", "api-2") }, false},
		{"other service's check changes", func(a *applier) {
			a.ok(&UpdateCheckRequest{Node: "n2", CheckID: "api-check", Status: HealthCritical})
		}, false},
		{"node without web changes", func(a *applier) { a.node("n2", "10.0.0.99", nil) }, false},
		{"node-level check on node without web", func(a *applier) { a.check("n2", "disk", "", HealthWarning) }, false},
		{"kv write", func(a *applier) { a.ok(&KVSetRequest{Key: "web"}) }, false},
		{"identical re-registration", func(a *applier) { a.service("n1", "web", "web-1") }, false},
		{"web instance added", func(a *applier) { a.service("n2", "web", "web-2") }, true},
		{"web's check changes", func(a *applier) {
			a.ok(&UpdateCheckRequest{Node: "n1", CheckID: "web-check", Status: HealthCritical})
		}, true},
		{"node-level check of web's node", func(a *applier) { a.check("n1", "disk", "", HealthWarning) }, true},
		{"web's node changes address", func(a *applier) { a.node("n1", "10.0.0.98", nil) }, true},
		{"web deregistered", func(a *applier) { a.ok(&DeregisterRequest{Node: "n1", ServiceID: "web-1"}) }, true},
		{"web's node deregistered", func(a *applier) { a.ok(&DeregisterRequest{Node: "n1"}) }, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			a := newApplier(t)
			a.node("n1", "10.0.0.1", nil)
			a.node("n2", "10.0.0.2", nil)
			a.service("n1", "web", "web-1")
			a.check("n1", "web-check", "web-1", HealthPassing)
			a.service("n2", "api", "api-1")
			a.check("n2", "api-check", "api-1", HealthPassing)
			health, catalog := &WatchSet{}, &WatchSet{}
			_, _, err := a.s.CheckServiceNodes(health, "web", Query{})
			require.NoError(t, err)
			_, _, err = a.s.ServiceNodes(catalog, "web", Query{})
			require.NoError(t, err)
			tc.write(a)
			requireFired(t, health, tc.wake, "health watch")
			requireFired(t, catalog, tc.wake, "catalog watch")
		})
	}
}

func TestKVPrefixWatchWakesOnlyForKeysUnderIt(t *testing.T) {
	cases := []struct {
		name string
		cmd  Command
		wake bool
	}{
		{"key elsewhere", &KVSetRequest{Key: "other/x"}, false},
		{"sibling sharing letters", &KVSetRequest{Key: "apps"}, false},
		{"parent key", &KVSetRequest{Key: "app"}, false},
		{"delete of missing key", &KVDeleteRequest{Key: "app/missing"}, false},
		{"failed cas", &KVCASRequest{Key: "app/x", Index: 99}, false},
		{"key under it", &KVSetRequest{Key: "app/y"}, true},
		{"deep key", &KVSetRequest{Key: "app/a/b/c"}, true},
		{"delete under it", &KVDeleteRequest{Key: "app/x"}, true},
		{"delete tree above it", &KVDeleteTreeRequest{Prefix: "ap"}, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			a := newApplier(t)
			a.ok(&KVSetRequest{Key: "app/x"})
			list, keys := &WatchSet{}, &WatchSet{}
			a.s.KVList(list, "app/")
			a.s.KVKeys(keys, "app/", "/")
			a.do(tc.cmd)
			requireFired(t, list, tc.wake, "list watch")
			requireFired(t, keys, tc.wake, "keys watch")
		})
	}
}

func TestKVKeyWatchIgnoresLongerKeys(t *testing.T) {
	a := newApplier(t)
	ws := &WatchSet{}
	a.s.KVGet(ws, "app/x")
	a.ok(&KVSetRequest{Key: "app/xy"})
	requireFired(t, ws, false, "a longer key is another key")
	a.ok(&KVSetRequest{Key: "app/x"})
	requireFired(t, ws, true, "the key itself")
}

func TestTableWatches(t *testing.T) {
	a := newApplier(t)
	nodes, checks := &WatchSet{}, &WatchSet{}
	_, _, err := a.s.ListNodes(nodes, Query{})
	require.NoError(t, err)
	_, _, err = a.s.ChecksInState(checks, HealthAny, Query{})
	require.NoError(t, err)
	a.ok(&KVSetRequest{Key: "k"})
	requireFired(t, nodes, false, "kv write, nodes watch")
	requireFired(t, checks, false, "kv write, checks watch")
	a.node("n1", "10.0.0.1", nil)
	requireFired(t, nodes, true, "node write, nodes watch")
	requireFired(t, checks, false, "node write, checks watch")
	a.check("n1", "c", "", HealthPassing)
	requireFired(t, checks, true, "check write, checks watch")
}

func TestNodeWatch(t *testing.T) {
	a := newApplier(t)
	a.node("n1", "10.0.0.1", nil)
	a.node("n2", "10.0.0.2", nil)
	ws := &WatchSet{}
	a.s.GetNode(ws, "n1")
	a.service("n2", "web", "w")
	requireFired(t, ws, false, "other node")
	a.service("n1", "web", "w")
	requireFired(t, ws, true, "its own service")
}

func TestFiredWatchIsForgottenAndRestoreWakesAll(t *testing.T) {
	a := newApplier(t)
	ws := &WatchSet{}
	a.s.KVList(ws, "app/")
	a.s.GetNode(ws, "n1")
	require.Equal(t, 2, a.s.watches.size())
	a.ok(&KVSetRequest{Key: "app/x"})
	require.Equal(t, 1, a.s.watches.size(), "a fired key leaves the registry")

	other := newApplier(t)
	require.NoError(t, a.s.Restore(bytesOf(t, other.s)))
	requireFired(t, ws, true, "restore")
	require.Equal(t, 0, a.s.watches.size())
}
