package config

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"
)

// TestStringRedactsSecrets checks that the gossip key and every token are
// shown as "hidden" however the config is printed.
func TestStringRedactsSecrets(t *testing.T) {
	const token = "8f4b7f3c-2d1e-4a5b-9c6d-0e1f2a3b4c5d"
	opts := hostOptions()
	opts.ConfigPaths = []string{filepath.Join("testdata", "seed", "server3")}
	c, err := Load(opts)
	require.NoError(t, err)
	c.Services = []ServiceDefinition{{Name: "s", Token: Secret(token), Checks: []CheckDefinition{{Token: Secret(token)}}}}
	c.Watches = []Watch{{"type": "key", "token": token, "nested": []any{map[string]any{"acl_token": token}}}}

	s := c.String()
	require.Contains(t, s, `ACL.Tokens.InitialManagement = "hidden"`)
	require.Contains(t, s, `Encrypt = "hidden"`)
	require.Contains(t, s, `Ports.HTTP = 38500`)
	require.Contains(t, s, `RetryJoin[1] = 172.26.42.229:28301`)
	require.Contains(t, s, `Performance.RPCHoldTimeout = 7s`)

	js, err := json.Marshal(c)
	require.NoError(t, err)
	core, logs := observer.New(zap.DebugLevel)
	zap.New(core).Info("loaded", zap.Any("config", c), zap.Stringer("text", c))
	printed := []string{s, fmt.Sprintf("%v %+v %#v", c, *c, *c), string(js), fmt.Sprint(logs.All()[0].ContextMap())}
	for _, p := range printed {
		require.NotContains(t, p, token)
		require.NotContains(t, p, testKey)
		require.NotContains(t, p, testKey[:20])
	}
}

// TestStringIsStable checks that equal configurations print identically,
// whatever the order of map keys in the source.
func TestStringIsStable(t *testing.T) {
	a, err := parse(t, `{"data_dir":"/d","node_meta":{"a":"1","b":"2","c":"3"}}`)
	require.NoError(t, err)
	b, err := parse(t, `{"node_meta":{"c":"3","b":"2","a":"1"},"data_dir":"/d"}`)
	require.NoError(t, err)
	require.Equal(t, a.String(), b.String())
	c, err := parse(t, `{"node_meta":{"c":"4","b":"2","a":"1"},"data_dir":"/d"}`)
	require.NoError(t, err)
	require.NotEqual(t, a.String(), c.String())
}
