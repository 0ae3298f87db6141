package catalog

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// sessionCluster is two nodes with a passing serfHealth each, a service
// with a check on n1, and a warning check on n2.
func sessionCluster(t *testing.T) *applier {
	a := newApplier(t)
	a.node("n1", "10.0.0.1", nil)
	a.node("n2", "10.0.0.2", nil)
	a.check("n1", "serfHealth", "", HealthPassing)
	a.check("n2", "serfHealth", "", HealthPassing)
	a.service("n1", "web", "web-1")
	a.check("n1", "web-http", "web-1", HealthPassing)
	a.check("n2", "disk", "", HealthWarning)
	return a
}

// session creates a session on node that depends on serfHealth.
func (a *applier) session(id, node, behavior string) {
	a.t.Helper()
	a.ok(&SessionCreateRequest{Session: Session{ID: id, Node: node, Behavior: behavior,
		NodeChecks: []string{"serfHealth"}}})
}

func (a *applier) sessionRow(id string) *Session {
	_, sess := a.s.SessionGet(nil, id)
	return sess
}

func TestSessionCreateFillsConsulDefaults(t *testing.T) {
	a := sessionCluster(t)
	a.ok(&SessionCreateRequest{Session: Session{ID: "s1", Node: "n1", Checks: []string{"serfHealth"}}})
	sess := a.sessionRow("s1")
	require.Equal(t, SessionRelease, sess.Behavior)
	require.Equal(t, DefaultLockDelay, sess.LockDelay)
	require.Equal(t, []string{"serfHealth"}, sess.NodeChecks, "the legacy Checks field fills NodeChecks")
	require.Equal(t, sess.NodeChecks, sess.Checks)
	require.Equal(t, a.idx, sess.CreateIndex)
	require.Equal(t, a.idx, sess.ModifyIndex)

	a.ok(&SessionCreateRequest{Session: Session{ID: "s2", Node: "n1", LockDelay: time.Second,
		ServiceChecks: []ServiceCheck{{ID: "web-http"}}}, DisableLockDelay: true})
	require.Zero(t, a.sessionRow("s2").LockDelay, "a user who asked for 0s gets no lock-delay")
	require.Nil(t, a.sessionRow("s2").NodeChecks)
}

func TestSessionJSONUsesConsulNamesAndNanosecondLockDelay(t *testing.T) {
	a := sessionCluster(t)
	a.ok(&SessionCreateRequest{Session: Session{ID: "s1", Name: "lead", Node: "n1", TTL: "15s",
		NodeChecks: []string{"serfHealth"}, ServiceChecks: []ServiceCheck{{ID: "web-http", Namespace: "default"}}}})
	var got map[string]any
	require.NoError(t, json.Unmarshal([]byte(jsonOf(t, a.sessionRow("s1"))), &got))
	require.Equal(t, float64(15e9), got["LockDelay"])
	require.Equal(t, "15s", got["TTL"])
	require.Equal(t, "release", got["Behavior"])
	require.Equal(t, []any{"serfHealth"}, got["Checks"])
	require.Equal(t, []any{map[string]any{"ID": "web-http", "Namespace": "default"}}, got["ServiceChecks"])
	for _, k := range []string{"ID", "Name", "Node", "NodeChecks", "CreateIndex", "ModifyIndex"} {
		require.Contains(t, got, k)
	}
}

func TestSessionCreateRefusals(t *testing.T) {
	cases := []struct {
		name string
		req  SessionCreateRequest
		err  error
		msg  string
	}{
		{"missing ID", SessionCreateRequest{Session: Session{Node: "n1"}}, ErrMissingSessionID, ""},
		{"taken ID", SessionCreateRequest{Session: Session{ID: "taken", Node: "n1"}}, ErrSessionExists, ""},
		{"missing node", SessionCreateRequest{Session: Session{ID: "s"}}, ErrMissingNode, ""},
		{"unknown node", SessionCreateRequest{Session: Session{ID: "s", Node: "n9"}}, ErrNodeNotFound, "Missing node registration"},
		{"unknown check", SessionCreateRequest{Session: Session{ID: "s", Node: "n1", NodeChecks: []string{"nope"}}},
			ErrCheckNotFound, "Missing check 'nope' registration"},
		{"check on another node", SessionCreateRequest{Session: Session{ID: "s", Node: "n1", NodeChecks: []string{"disk"}}},
			ErrCheckNotFound, ""},
		{"critical node check", SessionCreateRequest{Session: Session{ID: "s", Node: "n1", NodeChecks: []string{"serfHealth"}}},
			ErrCheckCritical, "Check 'serfHealth' is in critical state"},
		{"unknown service check", SessionCreateRequest{Session: Session{ID: "s", Node: "n1",
			ServiceChecks: []ServiceCheck{{ID: "nope"}}}}, ErrCheckNotFound, ""},
		{"bad behavior", SessionCreateRequest{Session: Session{ID: "s", Node: "n1", Behavior: "keep"}}, ErrBadSessionBehavior, ""},
		{"bad TTL", SessionCreateRequest{Session: Session{ID: "s", Node: "n1", TTL: "soon"}}, ErrBadSessionTTL, ""},
		{"negative TTL", SessionCreateRequest{Session: Session{ID: "s", Node: "n1", TTL: "-5s"}}, ErrBadSessionTTL, ""},
		{"negative lock delay", SessionCreateRequest{Session: Session{ID: "s", Node: "n1", LockDelay: -1}}, ErrBadLockDelay, ""},
		{"NUL in ID", SessionCreateRequest{Session: Session{ID: "s\x00x", Node: "n1"}}, ErrBadName, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			a := sessionCluster(t)
			a.ok(&SessionCreateRequest{Session: Session{ID: "taken", Node: "n2"}})
			a.ok(&UpdateCheckRequest{Node: "n1", CheckID: "serfHealth", Status: HealthCritical})
			before := contentBytes(t, a.s)
			res := a.do(&tc.req)
			require.ErrorIs(t, res.Err, tc.err)
			require.Contains(t, res.Err.Error(), tc.msg)
			require.False(t, res.OK)
			require.Equal(t, before, contentBytes(t, a.s), "a refused create changes nothing but the applied index")
		})
	}
}

func TestSessionReadsListByNodeAndID(t *testing.T) {
	a := sessionCluster(t)
	a.session("b", "n1", "")
	a.session("a", "n2", "")
	a.session("c", "n1", "")
	idx, all := a.s.SessionList(nil)
	require.Equal(t, a.idx, idx)
	require.Equal(t, []string{"a", "b", "c"}, sessionIDs(all))
	_, onN1 := a.s.NodeSessions(nil, "n1")
	require.Equal(t, []string{"b", "c"}, sessionIDs(onN1))
	_, none := a.s.NodeSessions(nil, "n9")
	require.Empty(t, none)
	a.ok(&SessionDestroyRequest{ID: "b"})
	idx, sess := a.s.SessionGet(nil, "b")
	require.Nil(t, sess)
	require.Equal(t, a.idx, idx, "a destroy moves the index of session reads")
	a.ok(&SessionDestroyRequest{ID: "b"})
	require.Equal(t, idx, a.s.LastIndex()-1, "destroying an unknown session succeeds and changes nothing")
	idx2, _ := a.s.SessionGet(nil, "b")
	require.Equal(t, idx, idx2)
}

func sessionIDs(ss []*Session) []string {
	var ids []string
	for _, s := range ss {
		ids = append(ids, s.ID)
	}
	return ids
}

// TestSessionInvalidation checks each way a session is destroyed inside
// the FSM: its keys are released (or deleted, by behavior) in the same
// Apply, with a lock-delay from the command's timestamp.
func TestSessionInvalidation(t *testing.T) {
	cases := []struct {
		name      string
		sessNode  string
		invalid   Command
		destroyed bool
	}{
		{"destroyed by request (or TTL)", "n1", &SessionDestroyRequest{ID: "s", Now: 100}, true},
		{"check turns critical", "n1", &UpdateCheckRequest{Node: "n1", CheckID: "serfHealth", Status: HealthCritical, Now: 100}, true},
		{"check re-registered critical", "n1", &RegisterRequest{Node: "n1", SkipNodeUpdate: true, Now: 100,
			Check: &HealthCheck{CheckID: "serfHealth", Status: HealthCritical}}, true},
		{"check deregistered", "n1", &DeregisterRequest{Node: "n1", CheckID: "serfHealth", Now: 100}, true},
		{"node deregistered", "n1", &DeregisterRequest{Node: "n1", Now: 100}, true},
		{"service check's service deregistered", "n1", &DeregisterRequest{Node: "n1", ServiceID: "web-1", Now: 100}, true},
		{"service check turns critical", "n1", &UpdateCheckRequest{Node: "n1", CheckID: "web-http", Status: HealthCritical, Now: 100}, true},
		{"check turns warning", "n1", &UpdateCheckRequest{Node: "n1", CheckID: "serfHealth", Status: HealthWarning, Now: 100}, false},
		{"other node's check turns critical", "n1", &UpdateCheckRequest{Node: "n2", CheckID: "serfHealth", Status: HealthCritical, Now: 100}, false},
		{"check it does not depend on turns critical", "n2", &UpdateCheckRequest{Node: "n2", CheckID: "disk", Status: HealthCritical, Now: 100}, false},
	}
	for _, tc := range cases {
		for _, behavior := range []string{SessionRelease, SessionDelete} {
			t.Run(tc.name+" "+behavior, func(t *testing.T) {
				a := sessionCluster(t)
				a.ok(&SessionCreateRequest{Session: Session{ID: "s", Node: tc.sessNode, Behavior: behavior,
					LockDelay: time.Second, NodeChecks: []string{"serfHealth"},
					ServiceChecks: serviceChecksOn(tc.sessNode)}})
				a.ok(&KVLockRequest{Key: "lock", Value: []byte("v"), Session: "s"})
				a.ok(&KVLockRequest{Key: "lock2", Session: "s"})
				lockedAt := a.idx
				a.ok(tc.invalid)
				_, e := a.s.KVGet(nil, "lock")
				if !tc.destroyed {
					require.NotNil(t, a.sessionRow("s"))
					require.Equal(t, "s", e.Session)
					return
				}
				require.Nil(t, a.sessionRow("s"), "the session is destroyed in the same Apply")
				if behavior == SessionDelete {
					require.Nil(t, e, "behavior=delete removes the key")
				} else {
					require.Empty(t, e.Session)
					require.Equal(t, []byte("v"), e.Value)
					require.Equal(t, uint64(1), e.LockIndex, "a release keeps LockIndex")
					require.Equal(t, a.idx, e.ModifyIndex)
					require.Greater(t, e.ModifyIndex, lockedAt)
				}
				until, ok := a.s.db.lockDelays.get("lock2")
				require.True(t, ok)
				require.Equal(t, Timestamp(100).add(time.Second), until)
				require.NoError(t, checkHeldIndex(&a.s.db))
			})
		}
	}
}

// serviceChecksOn makes the session on n1 also depend on web-http.
func serviceChecksOn(node string) []ServiceCheck {
	if node == "n1" {
		return []ServiceCheck{{ID: "web-http"}}
	}
	return nil
}
