package config

import (
	"errors"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestErrorsNameFileAndKey checks each class of error: the message names
// the file and the key path, and says what is wrong.
func TestErrorsNameFileAndKey(t *testing.T) {
	cases := []struct {
		name, doc, want string
	}{
		{"unknown top-level key", `{"data_dir":"/d","datacentre":"x"}`,
			`config: test.json: datacentre: unknown key (did you mean "datacenter"?)`},
		{"unknown nested key", `{"data_dir":"/d","ports":{"htp":1}}`,
			`config: test.json: ports.htp: unknown key (did you mean "http"?)`},
		{"unknown key with nothing close", `{"data_dir":"/d","acl":{"tokens":{"superuser":"x"}}}`,
			`config: test.json: acl.tokens.superuser: unknown key`},
		{"port of the wrong type", `{"data_dir":"/d","ports":{"http":"x"}}`,
			`config: test.json: ports.http: must be an integer port 0-65535, got "x"`},
		{"port out of range", `{"data_dir":"/d","ports":{"dns":70000}}`,
			`config: test.json: ports.dns: must be an integer port 0-65535, got 70000`},
		{"port that cannot be disabled", `{"data_dir":"/d","ports":{"serf_lan":-1}}`,
			`config: test.json: ports.serf_lan: cannot be disabled (-1)`},
		{"bool of the wrong type", `{"data_dir":"/d","server":"yes"}`,
			`config: test.json: server: must be true or false, got "yes"`},
		{"bad log level", `{"data_dir":"/d","log_level":"loud"}`,
			`config: test.json: log_level: must be one of trace, debug, info, warn, error, got "loud"`},
		{"bad node id", `{"data_dir":"/d","node_id":"not-a-uuid"}`,
			`config: test.json: node_id: must be a UUID such as 09d82408-bc4f-49e0-5555-61ef1d4842f7, got "not-a-uuid"`},
		{"bad address", `{"data_dir":"/d","bind_addr":"localhost"}`,
			`config: test.json: bind_addr: must be an IP address, got "localhost"`},
		{"sockaddr template", `{"data_dir":"/d","bind_addr":"{{ GetPrivateIP }}"}`,
			`config: test.json: bind_addr: go-sockaddr templates are not supported; give an IP address, got "{{ GetPrivateIP }}"`},
		{"bad duration", `{"data_dir":"/d","performance":{"rpc_hold_timeout":"7 seconds"}}`,
			`config: test.json: performance.rpc_hold_timeout: must be a duration such as "10s", got "7 seconds"`},
		{"plain number where Consul wants a string", `{"data_dir":"/d","session_ttl_min":10}`,
			`config: test.json: session_ttl_min: must be a duration such as "10s", got 10`},
		{"bad policy", `{"data_dir":"/d","acl":{"default_policy":"maybe"}}`,
			`config: test.json: acl.default_policy: must be one of allow, deny, got "maybe"`},
		{"bad down policy", `{"data_dir":"/d","acl":{"down_policy":"panic"}}`,
			`config: test.json: acl.down_policy: must be one of allow, deny, extend-cache, async-cache, got "panic"`},
		{"raft multiplier above 10", `{"data_dir":"/d","performance":{"raft_multiplier":11}}`,
			`config: test.json: performance.raft_multiplier: must be an integer 0-10, got 11`},
		{"bad join entry", `{"data_dir":"/d","retry_join":["10.0.0.1:99999"]}`,
			`config: test.json: retry_join: entry 0: port must be 1-65535, got "10.0.0.1:99999"`},
		{"cloud auto-join", `{"data_dir":"/d","retry_join":["provider=aws tag_key=x"]}`,
			`config: test.json: retry_join: entry 0: cloud auto-join is not supported, got "provider=aws tag_key=x"`},
		{"retry_join element type", `{"data_dir":"/d","retry_join":[8301]}`,
			`config: test.json: retry_join[0]: must be a string, got 8301`},
		{"service without name", `{"data_dir":"/d","services":[{"port":80}]}`,
			`config: test.json: services[0].name: must be set`},
		{"check without interval", `{"data_dir":"/d","services":[{"name":"web","checks":[{"http":"http://x/"}]}]}`,
			`config: test.json: services[0].checks[0].interval: must be set for http, tcp, grpc and args checks`},
		{"check of two kinds", `{"data_dir":"/d","check":{"name":"c","tcp":"x:1","ttl":"10s"}}`,
			`config: test.json: check: must set exactly one of http, tcp, grpc, ttl, args`},
		{"bad check status", `{"data_dir":"/d","checks":[{"name":"c","ttl":"1s","status":"ok"}]}`,
			`config: test.json: checks[0].status: must be one of , passing, warning, critical, got "ok"`},
		{"datacenter with a dot", `{"data_dir":"/d","datacenter":"eu.west"}`,
			`config: test.json: datacenter: must be letters, digits, '-' and '_' only, got "eu.west"`},
		{"not an object", `[1,2]`,
			`config: test.json: must be a JSON object, got a list`},
		{"syntax error", "{\n  \"server\": tru\n}",
			`config: test.json: invalid JSON at line 2, column 16: invalid character '\n' in literal true (expecting 'e')`},
		{"trailing data", `{"data_dir":"/d"} {}`,
			`config: test.json: unexpected data after the top-level JSON object`},
		{"empty file", ``,
			`config: test.json: empty file: must be a JSON object`},
		{"bootstrap_expect without server", `{"data_dir":"/d","bootstrap_expect":3}`,
			`config: test.json: bootstrap_expect: requires server mode (server: true)`},
		{"bootstrap and bootstrap_expect", `{"data_dir":"/d","server":true,"bootstrap":true,"bootstrap_expect":3}`,
			`config: test.json: bootstrap_expect: cannot be combined with bootstrap`},
		{"missing data_dir", `{"server":true}`,
			`config: data_dir: must be set (or run with -dev)`},
		{"two listeners on one port", `{"data_dir":"/d","ports":{"dns":8500}}`,
			`config: test.json: ports.dns: port 8500 is used by both ports.http and ports.dns`},
		{"reconnect_timeout below minimum", `{"data_dir":"/d","reconnect_timeout":"1h"}`,
			`config: test.json: reconnect_timeout: must be at least 8h0m0s, got 1h0m0s`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := parse(t, tc.doc)
			require.Error(t, err)
			require.ErrorIs(t, err, ErrInvalid)
			require.Equal(t, tc.want, err.Error())
		})
	}
}

// TestSecretsNeverAppearInErrors feeds bad values to every secret key and
// checks that the value is not echoed.
func TestSecretsNeverAppearInErrors(t *testing.T) {
	const leak = "c2VjcmV0LXZhbHVlLTE=" // base64 of a 14-byte value
	docs := []string{
		`{"data_dir":"/d","encrypt":"` + leak + `"}`,
		`{"data_dir":"/d","encrypt":"` + leak + `!"}`,
		`{"data_dir":"/d","acl":{"tokens":{"agent":["` + leak + `"]}}}`,
		`{"data_dir":"/d","services":[{"name":"s","token":{"t":"` + leak + `"}}]}`,
	}
	for _, doc := range docs {
		_, err := parse(t, doc)
		require.Error(t, err)
		require.NotContains(t, err.Error(), leak)
		require.NotContains(t, err.Error(), "c2VjcmV0")
	}
	_, err := parse(t, docs[0])
	require.EqualError(t, err, "config: test.json: encrypt: must be the base64 encoding of a 16, 24 or 32-byte key (use `cairn keygen`)")
}

// TestErrorInSecondFileNamesThatFile loads a directory where only the
// second file is bad.
func TestErrorInSecondFileNamesThatFile(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"10-base.json":  `{"data_dir":"/d"}`,
		"20-ports.json": `{"ports":{"http":"x"}}`,
	})
	opts := hostOptions()
	opts.ConfigPaths = []string{dir}
	_, err := Load(opts)
	want := "config: " + filepath.Join(dir, "20-ports.json") + `: ports.http: must be an integer port 0-65535, got "x"`
	require.EqualError(t, err, want)
}

// TestMergedErrorNamesTheFileThatSetTheKey checks that a problem found only
// after merging (bootstrap_expect on a client) names the file that set it.
func TestMergedErrorNamesTheFileThatSetTheKey(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"a.json": `{"data_dir":"/d","bootstrap_expect":3}`,
		"b.json": `{"log_level":"debug"}`,
	})
	opts := hostOptions()
	opts.ConfigPaths = []string{dir}
	_, err := Load(opts)
	require.EqualError(t, err, "config: "+filepath.Join(dir, "a.json")+": bootstrap_expect: requires server mode (server: true)")
}

// TestHCLFilesAreRefusedWithAClearError checks that a .hcl file in the
// config dir stops the load instead of being skipped silently.
func TestHCLFilesAreRefusedWithAClearError(t *testing.T) {
	dir := writeFiles(t, map[string]string{"a.json": `{"data_dir":"/d"}`, "b.hcl": `server = true`})
	opts := hostOptions()
	opts.ConfigPaths = []string{dir}
	_, err := Load(opts)
	require.ErrorIs(t, err, ErrInvalid)
	require.Contains(t, err.Error(), "b.hcl")
	require.Contains(t, err.Error(), "HCL config files are not supported")
}

// TestMissingConfigPathIsAnError checks that a path that does not exist is
// reported, not ignored.
func TestMissingConfigPathIsAnError(t *testing.T) {
	opts := hostOptions()
	opts.ConfigPaths = []string{filepath.Join(t.TempDir(), "nope")}
	_, err := Load(opts)
	require.Error(t, err)
	require.False(t, errors.Is(err, ErrInvalid))
	require.Contains(t, err.Error(), "nope")
}
