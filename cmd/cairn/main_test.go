package main

import (
	"bytes"
	"encoding/base64"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// runCairn runs cairn in-process and returns its exit code and output.
func runCairn(args ...string) (code int, stdout, stderr string) {
	var out, errOut bytes.Buffer
	code = run(args, &out, &errOut)
	return code, out.String(), errOut.String()
}

// TestKeygenPrintsA32ByteBase64Key checks the key decodes to 32 bytes and
// that two keys differ.
func TestKeygenPrintsA32ByteBase64Key(t *testing.T) {
	code, out, _ := runCairn("keygen")
	require.Equal(t, 0, code)
	key, err := base64.StdEncoding.DecodeString(strings.TrimSpace(out))
	require.NoError(t, err)
	require.Len(t, key, 32)

	_, out2, _ := runCairn("keygen")
	require.NotEqual(t, out, out2)
}

// seedKey is the gossip key written into the seed test configs.
const seedKey = "1LNzecjsYKsUBox3vm8Yw2pPf4XwMKPo0+JdI50sI8Y="

// TestValidateAcceptsTheSeedConfigs validates the walkthrough's three
// config dirs, with a fresh key from keygen substituted for ${CONSUL_KEY}.
func TestValidateAcceptsTheSeedConfigs(t *testing.T) {
	_, key, _ := runCairn("keygen")
	for _, server := range []string{"server1", "server2", "server3"} {
		data, err := os.ReadFile(filepath.Join("..", "..", "agent", "config", "testdata", "seed", server, "config.json"))
		require.NoError(t, err)
		require.Contains(t, string(data), seedKey)
		doc := strings.ReplaceAll(string(data), seedKey, strings.TrimSpace(key))
		dir := t.TempDir()
		require.NoError(t, os.WriteFile(filepath.Join(dir, "config.json"), []byte(doc), 0o600))

		code, out, errOut := runCairn("validate", dir)
		require.Equal(t, 0, code, errOut)
		require.Equal(t, "Configuration is valid!\n", out)
	}
}

// TestValidateReportsTheFileAndKey checks a bad config fails with exit 1
// and an error naming file and key.
func TestValidateReportsTheFileAndKey(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "config.json")
	require.NoError(t, os.WriteFile(file, []byte(`{"data_dir":"/d","bind_addr":"10.0.0.1","ports":{"http":"x"}}`), 0o600))

	code, out, errOut := runCairn("validate", file)
	require.Equal(t, 1, code)
	require.Empty(t, out)
	require.Equal(t, "config: "+file+`: ports.http: must be an integer port 0-65535, got "x"`+"\n", errOut)

	code, _, errOut = runCairn("validate")
	require.Equal(t, 1, code)
	require.Contains(t, errOut, "Usage: cairn validate")
}

// TestUnknownCommandPrintsUsageAndFails checks the dispatcher's error path.
func TestUnknownCommandPrintsUsageAndFails(t *testing.T) {
	code, out, errOut := runCairn("frobnicate")
	require.Equal(t, 1, code)
	require.Empty(t, out)
	require.Contains(t, errOut, `unknown command "frobnicate"`)
	require.Contains(t, errOut, "keygen")

	code, _, errOut = runCairn()
	require.Equal(t, 1, code)
	require.Contains(t, errOut, "Usage: cairn <command>")

	code, out, _ = runCairn("--help")
	require.Equal(t, 0, code)
	require.Contains(t, out, "validate")
}

// TestVersionPrintsVersionAndProtocols checks the version line.
func TestVersionPrintsVersionAndProtocols(t *testing.T) {
	code, out, _ := runCairn("version")
	require.Equal(t, 0, code)
	require.True(t, strings.HasPrefix(out, "cairn v0.1.0-dev\n"))
	require.Contains(t, out, "Protocol versions: gossip 1, raft log 1")
}

// TestClientEnvPrefersCairnVariables checks the address and token lookup
// for client commands.
func TestClientEnvPrefersCairnVariables(t *testing.T) {
	env := map[string]string{}
	getenv := func(k string) string { return env[k] }
	require.Equal(t, "127.0.0.1:8500", httpAddr(getenv))
	require.Equal(t, "", httpToken(getenv))

	env["CONSUL_HTTP_ADDR"] = "10.0.0.1:8500"
	env["CONSUL_HTTP_TOKEN"] = "consul-token"
	require.Equal(t, "10.0.0.1:8500", httpAddr(getenv))
	require.Equal(t, "consul-token", httpToken(getenv))

	env["CAIRN_HTTP_ADDR"] = "https://10.0.0.2:8501/"
	env["CAIRN_HTTP_TOKEN"] = "cairn-token"
	require.Equal(t, "https://10.0.0.2:8501/", httpAddr(getenv))
	require.Equal(t, "cairn-token", httpToken(getenv))

	require.Equal(t, "https://10.0.0.2:8501", httpBaseURL(httpAddr(getenv)))
	require.Equal(t, "http://127.0.0.1:8500", httpBaseURL("127.0.0.1:8500"))
}
