package main

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

const (
	keyA = "AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE="
	keyB = "AgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgI="
)

func TestKeyringListPrintsEachPoolsKeysWithHolderCounts(t *testing.T) {
	a := newFakeAgent(t, map[string]http.HandlerFunc{
		"GET /v1/operator/keyring": replyJSON([]keyringPool{
			{WAN: true, Datacenter: "dc1", Keys: map[string]int{keyA: 3}, PrimaryKeys: map[string]int{keyA: 3}, NumNodes: 3},
			{Datacenter: "dc1", Keys: map[string]int{keyB: 2, keyA: 5}, PrimaryKeys: map[string]int{keyA: 5}, NumNodes: 5},
		}),
	})
	code, out, errOut := runCairn("keyring", "-list", "-relay-factor", "2")
	require.Equal(t, 0, code, errOut)
	require.Equal(t, "==> Gathering installed encryption keys...\n"+
		"\nWAN:\n  "+keyA+" [3/3]\n"+
		"\ndc1 (LAN):\n  "+keyA+" [5/5]\n  "+keyB+" [2/5]\n", out)
	require.Equal(t, "2", a.last(t).Query.Get("relay-factor"))

	code, out, _ = runCairn("keyring", "-list-primary")
	require.Equal(t, 0, code)
	require.NotContains(t, out, keyB, "only primary keys are listed")
}

func TestKeyringWritesSendTheKeyWithTheRightMethod(t *testing.T) {
	a := newFakeAgent(t, map[string]http.HandlerFunc{
		"POST /v1/operator/keyring":   reply(http.StatusOK, ""),
		"PUT /v1/operator/keyring":    reply(http.StatusOK, ""),
		"DELETE /v1/operator/keyring": reply(http.StatusOK, ""),
	})
	for _, tc := range []struct{ flag, method, banner string }{
		{"-install", http.MethodPost, "==> Installing new gossip encryption key..."},
		{"-use", http.MethodPut, "==> Changing primary gossip encryption key..."},
		{"-remove", http.MethodDelete, "==> Removing gossip encryption key..."},
	} {
		code, out, errOut := runCairn("keyring", tc.flag, keyB)
		require.Equal(t, 0, code, errOut)
		require.Equal(t, tc.banner+"\n", out)
		last := a.last(t)
		require.Equal(t, tc.method, last.Method)
		require.JSONEq(t, `{"Key":"`+keyB+`"}`, last.Body)
	}
}

func TestKeyringExitsOneWithAOneLineReasonWhenANodeFailed(t *testing.T) {
	newFakeAgent(t, map[string]http.HandlerFunc{
		"PUT /v1/operator/keyring": reply(http.StatusInternalServerError,
			"dc1 (LAN) error: 1/3 nodes reported failure\nk2: swim: key not installed"),
	})
	code, _, errOut := runCairn("keyring", "-use", keyB)
	require.Equal(t, 1, code)
	require.Equal(t, "Error changing primary key: Unexpected response code: 500 "+
		"(dc1 (LAN) error: 1/3 nodes reported failure k2: swim: key not installed)\n", errOut)
	require.Equal(t, 1, strings.Count(errOut, "\n"))
}

func TestKeyringRefusesNoActionOrSeveral(t *testing.T) {
	newFakeAgent(t, nil)
	code, _, errOut := runCairn("keyring")
	require.Equal(t, 1, code)
	require.Contains(t, errOut, "At least one action")
	code, _, errOut = runCairn("keyring", "-list", "-install", keyA)
	require.Equal(t, 1, code)
	require.Contains(t, errOut, "Only a single action is allowed")
	code, _, errOut = runCairn("keyring", "-list", "-relay-factor", "6")
	require.Equal(t, 1, code)
	require.Contains(t, errOut, "Relay factor must be in range")
}

func TestKeyringRotatesTheKeyOfARealAgent(t *testing.T) {
	startDevAgent(t, `{"node_name": "node1", "encrypt": "`+keyA+`",
		"ports": {"http": 0, "server": 0, "serf_lan": 0, "serf_wan": 0, "dns": 0}}`)
	var out string
	require.Eventually(t, func() bool {
		var code int
		code, out, _ = runCairn("keyring", "-list")
		return code == 0
	}, realAgentWait, 20*time.Millisecond, "the agent never listed its keys")
	require.Equal(t, "==> Gathering installed encryption keys...\n"+
		"\nWAN:\n  "+keyA+" [1/1]\n\ndc1 (LAN):\n  "+keyA+" [1/1]\n", out)

	for _, args := range [][]string{{"-install", keyB}, {"-use", keyB}, {"-remove", keyA}} {
		code, _, errOut := runCairn(append([]string{"keyring"}, args...)...)
		require.Equal(t, 0, code, "%v: %s", args, errOut)
	}
	code, out, _ := runCairn("keyring", "-list-primary")
	require.Equal(t, 0, code)
	require.Equal(t, 2, strings.Count(out, keyB+" [1/1]"))
	require.NotContains(t, out, keyA)

	code, _, errOut := runCairn("keyring", "-remove", keyB)
	require.Equal(t, 1, code, "the primary key cannot be removed")
	require.Contains(t, errOut, "cannot remove the primary key")
	require.Equal(t, 1, strings.Count(errOut, "\n"))
}
