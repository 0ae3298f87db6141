package runtime

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/hashicorp/consul/api"
	"github.com/stretchr/testify/require"
)

func TestSessionCreateInfoListRenewDestroyWithTheOfficialClient(t *testing.T) {
	_, client := startAgent(t, "")
	s := client.Session()
	id, _, err := s.Create(&api.SessionEntry{Name: "web-lock", TTL: "15s", LockDelay: 0}, nil)
	require.NoError(t, err)
	require.Len(t, id, 36)

	info, meta, err := s.Info(id, nil)
	require.NoError(t, err)
	require.NotNil(t, info)
	require.Equal(t, "web-lock", info.Name)
	require.Equal(t, testNode, info.Node)
	require.Equal(t, []string{"serfHealth"}, info.NodeChecks)
	require.Equal(t, 15*time.Second, info.LockDelay)
	require.Equal(t, "release", info.Behavior)
	require.Positive(t, meta.LastIndex)

	list, _, err := s.List(nil)
	require.NoError(t, err)
	require.Len(t, list, 1)
	onNode, _, err := s.Node(testNode, nil)
	require.NoError(t, err)
	require.Len(t, onNode, 1)

	renewed, _, err := s.Renew(id, nil)
	require.NoError(t, err)
	require.NotNil(t, renewed)
	require.Equal(t, id, renewed.ID)

	_, err = s.Destroy(id, nil)
	require.NoError(t, err)
	info, _, err = s.Info(id, nil)
	require.NoError(t, err)
	require.Nil(t, info)
	renewed, _, err = s.Renew(id, nil)
	require.NoError(t, err, "the client answers a 404 renew as a nil session")
	require.Nil(t, renewed)
}

func TestSessionInfoBlocksUntilTheSessionIsDestroyed(t *testing.T) {
	_, client := startAgent(t, "")
	s := client.Session()
	id, _, err := s.Create(&api.SessionEntry{Name: "blocker"}, nil)
	require.NoError(t, err)
	_, meta, err := s.Info(id, nil)
	require.NoError(t, err)
	done := make(chan *api.SessionEntry, 1)
	go func() {
		info, _, err := s.Info(id, &api.QueryOptions{WaitIndex: meta.LastIndex, WaitTime: testWait})
		if err == nil {
			done <- info
		}
		close(done)
	}()
	_, err = s.Destroy(id, nil)
	require.NoError(t, err)
	info, ok := <-done
	require.True(t, ok, "the blocking read failed")
	require.Nil(t, info)
}

func TestSessionLockDelayZeroDisablesTheDelay(t *testing.T) {
	a, client := startAgent(t, "")
	s := client.Session()
	id, _, err := s.Create(&api.SessionEntry{Name: "quick"}, nil)
	require.NoError(t, err)
	// The client omits a zero LockDelay, so send "0s" directly.
	code, _, body := do(t, a, http.MethodPut, "/v1/session/create", `{"Name": "nodelay", "LockDelay": "0s"}`)
	require.Equal(t, http.StatusOK, code, body)
	var created struct{ ID string }
	require.NoError(t, json.Unmarshal([]byte(body), &created))
	info, _, err := s.Info(created.ID, nil)
	require.NoError(t, err)
	require.Zero(t, info.LockDelay)

	// A lock held by a session with no delay can be taken again at once.
	kv := client.KV()
	ok, _, err := kv.Acquire(&api.KVPair{Key: "k", Session: created.ID}, nil)
	require.NoError(t, err)
	require.True(t, ok)
	_, err = s.Destroy(created.ID, nil)
	require.NoError(t, err)
	ok, _, err = kv.Acquire(&api.KVPair{Key: "k", Session: id}, nil)
	require.NoError(t, err)
	require.True(t, ok)
}

func TestSessionCreateRefusesBadInput(t *testing.T) {
	a, _ := startAgent(t, "")
	for _, tc := range []struct{ body, want string }{
		{`{"TTL": "5s"}`, "Invalid Session TTL '5000000000', must be between [10s=24h0m0s]"},
		{`{"TTL": "25h"}`, "must be between"},
		{`{"TTL": "soon"}`, "Session TTL 'soon' invalid"},
		{`{"LockDelay": "later"}`, "invalid LockDelay"},
		{`{"LockDelay": true}`, "LockDelay must be"},
		{`{"Behavior": "explode"}`, "behavior"},
		{`{"Name": 7}`, "Request decode failed"},
	} {
		code, _, body := do(t, a, http.MethodPut, "/v1/session/create", tc.body)
		require.Equal(t, http.StatusBadRequest, code, tc.body)
		require.Contains(t, body, tc.want, tc.body)
	}
	code, _, _ := do(t, a, http.MethodPut, "/v1/session/create", `{"Node": "nowhere"}`)
	require.NotEqual(t, http.StatusOK, code)
	code, _, body := do(t, a, http.MethodPut, "/v1/session/renew/no-such-session", "")
	require.Equal(t, http.StatusNotFound, code)
	require.Contains(t, body, "Session id 'no-such-session' not found")
}

func TestLockDelayParsesStringsAndNumbersWithConsulsSecondsRule(t *testing.T) {
	for raw, want := range map[string]time.Duration{
		``: 0, `null`: 0, `"0s"`: 0, `"15s"`: 15 * time.Second, `"1500ms"`: 1500 * time.Millisecond,
		`5`: 5 * time.Second, `999`: 999 * time.Second, `2000000000`: 2 * time.Second,
	} {
		got, err := parseLockDelay(json.RawMessage(raw))
		require.NoError(t, err, raw)
		require.Equal(t, want, got, raw)
	}
	for _, raw := range []string{`"soon"`, `true`, `-5`, `"-1s"`, `1e30`} {
		_, err := parseLockDelay(json.RawMessage(raw))
		require.Error(t, err, raw)
	}
}

func TestSessionChecksDefaultToSerfHealthUnlessNamed(t *testing.T) {
	for body, want := range map[string][]string{
		``:                                    {"serfHealth"},
		`{"Checks": []}`:                      {},
		`{"Checks": ["a"]}`:                   {"a"},
		`{"NodeChecks": ["b"], "Checks": []}`: {"b"},
		`{"ServiceChecks": [{"ID": "web"}]}`:  {"serfHealth"},
	} {
		req, err := decodeSession([]byte(body), "n1")
		require.NoError(t, err, body)
		require.Equal(t, want, req.Session.NodeChecks, body)
		require.Equal(t, "n1", req.Session.Node)
		require.False(t, req.DisableLockDelay)
	}
	req, err := decodeSession([]byte(`{"LockDelay": "0s", "TTL": "0s"}`), "n1")
	require.NoError(t, err)
	require.True(t, req.DisableLockDelay, `"0s" asks for no lock-delay`)
	require.Empty(t, req.Session.TTL, `a "0s" TTL is no TTL`)
}
