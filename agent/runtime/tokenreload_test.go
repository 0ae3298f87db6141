package runtime

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"github.com/cairn-sd/cairn/agent/config"
)

// TestReloadReadsTheACLTokensAgainAndLogsWhichChanged: a reload whose
// config sets tokens.default lets anonymous requests do what that token
// may, and the log names the token that changed, never its value.
func TestReloadReadsTheACLTokensAgainAndLogsWhichChanged(t *testing.T) {
	const mgmt = "0c0ffee0-0000-4000-8000-00000000d00d"
	acls := func(extraTokens string) string {
		return `, "acl": {"enabled": true, "default_policy": "deny", "tokens": {"initial_management": "` + mgmt + `"` + extraTokens + `}}`
	}
	next := devConfig(t, acls(""))
	obs, logs := observer.New(zap.InfoLevel)
	a, err := New(devConfig(t, acls("")), Options{Version: "test", Logger: zap.New(obs),
		Reload: func() (*config.Config, error) { return next, nil }})
	require.NoError(t, err)
	t.Cleanup(func() { a.Shutdown(t.Context()) })
	anon := apiClient(t, a, "")
	require.Eventually(t, func() bool {
		_, _, err := apiClient(t, a, mgmt).ACL().TokenReadSelf(nil)
		return err == nil
	}, testWait, 20*time.Millisecond, "the leader never created the initial management token")
	_, err = anon.KV().Put(kvPair("k", "v"), nil)
	require.ErrorContains(t, err, "Permission denied")

	require.NoError(t, a.Reload())
	require.Empty(t, logs.FilterMessage("ACL tokens reloaded").All(), "an unchanged config changes no token")

	next = devConfig(t, acls(`, "default": "`+mgmt+`"`))
	require.NoError(t, a.Reload())
	_, err = anon.KV().Put(kvPair("k", "v"), nil)
	require.NoError(t, err, "requests without a token now carry the reloaded default token")
	reloaded := logs.FilterMessage("ACL tokens reloaded").All()
	require.Len(t, reloaded, 1)
	require.Equal(t, []any{"default"}, reloaded[0].ContextMap()["changed"])
	for _, e := range logs.All() {
		for _, v := range e.ContextMap() {
			require.NotContains(t, fmt.Sprint(v), mgmt, "no log line carries a token")
		}
	}
}
