package catalog

import (
	"slices"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestSessionChangesWakeOnlyTheirWatchers sets up watches on both
// sessions, both nodes' session lists, the session table and the keys each
// session holds, applies one change, and requires exactly the watches that
// depend on it to fire.
func TestSessionChangesWakeOnlyTheirWatchers(t *testing.T) {
	watchNames := []string{"list", "info s1", "info s2", "node n1", "node n2", "key a", "key b", "prefix locks/", "prefix other/"}
	cases := []struct {
		name  string
		write func(a *applier)
		wake  []string
	}{
		{"s1 destroyed", func(a *applier) { a.ok(&SessionDestroyRequest{ID: "s1"}) },
			[]string{"list", "info s1", "node n1", "key a", "prefix locks/"}},
		{"new session on n2", func(a *applier) { a.session("s3", "n2", "") },
			[]string{"list", "node n2"}},
		{"s2's check turns critical", func(a *applier) {
			a.ok(&UpdateCheckRequest{Node: "n2", CheckID: "serfHealth", Status: HealthCritical})
		}, []string{"list", "info s2", "node n2", "key b"}},
		{"s1 releases its key", func(a *applier) { require.True(t, a.unlock("locks/a", "s1")) },
			[]string{"key a", "prefix locks/"}},
		{"s2 fails to take s1's key", func(a *applier) { require.False(t, a.lock("locks/a", "s2", 0)) }, nil},
		{"unrelated check turns critical", func(a *applier) {
			a.ok(&UpdateCheckRequest{Node: "n2", CheckID: "disk", Status: HealthCritical})
		}, nil},
		{"refused transaction", func(a *applier) {
			res := a.do(&TxnRequest{Ops: []TxnOp{kvOp(TxnKVSet, "locks/a"), kvOp(TxnKVGet, "missing")}})
			require.ErrorIs(t, res.Err, ErrTxnFailed)
		}, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			a := sessionCluster(t)
			a.session("s1", "n1", "")
			a.session("s2", "n2", "")
			require.True(t, a.lock("locks/a", "s1", 0))
			require.True(t, a.lock("other/b", "s2", 0))
			ws := map[string]*WatchSet{}
			for _, n := range watchNames {
				ws[n] = &WatchSet{}
			}
			a.s.SessionList(ws["list"])
			a.s.SessionGet(ws["info s1"], "s1")
			a.s.SessionGet(ws["info s2"], "s2")
			a.s.NodeSessions(ws["node n1"], "n1")
			a.s.NodeSessions(ws["node n2"], "n2")
			a.s.KVGet(ws["key a"], "locks/a")
			a.s.KVGet(ws["key b"], "other/b")
			a.s.KVList(ws["prefix locks/"], "locks/")
			a.s.KVList(ws["prefix other/"], "other/x")
			tc.write(a)
			for _, n := range watchNames {
				requireFired(t, ws[n], slices.Contains(tc.wake, n), n)
			}
		})
	}
}
