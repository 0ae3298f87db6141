package runtime

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/consul/api"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap/zaptest/observer"

	"github.com/cairn-sd/cairn/agent/core"
	"github.com/cairn-sd/cairn/catalog"
)

// persistToken is the ACL token the tests' registrations carry; it must
// reach the files and never the logs.
const persistToken = "0b5e3d2c-persist-token-never-logged"

// persistDoc is a one-server datacenter on the data directory dir.
func persistDoc(dir string) string {
	return `{"node_name": "` + testNode + `", "server": true, "bootstrap_expect": 1,
		"data_dir": "` + dir + `", "bind_addr": "127.0.0.1", "client_addr": "127.0.0.1",
		"ports": {"http": 0, "server": 0, "serf_lan": 0, "serf_wan": 0, "dns": 0}}`
}

// startPersistAgent starts persistDoc's agent with its logs observed and
// returns it with an official client carrying persistToken, once it leads
// and has registered its node.
func startPersistAgent(t *testing.T, dir string) (*Agent, *api.Client, *observer.ObservedLogs) {
	t.Helper()
	a, logs := startLoggedAgent(t, persistDoc(dir))
	client, err := api.NewClient(&api.Config{Address: a.HTTPAddr(), Token: persistToken})
	require.NoError(t, err)
	require.Eventually(t, func() bool {
		checks, _, err := client.Health().Node(testNode, nil)
		return err == nil && len(checks) >= 1
	}, testWait, 20*time.Millisecond, "the server never registered its node")
	return a, client, logs
}

// stopAgent shuts an agent down within testWait.
func stopAgent(t *testing.T, a *Agent) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), testWait)
	defer cancel()
	require.NoError(t, a.Shutdown(ctx))
}

// registerWeb registers service web with an HTTP check on target and a
// TTL check, through the official client.
func registerWeb(t *testing.T, client *api.Client, target string) {
	t.Helper()
	require.NoError(t, client.Agent().ServiceRegister(&api.AgentServiceRegistration{
		ID: "web1", Name: "web", Port: 8080, Tags: []string{"v1"}, Meta: map[string]string{"team": "a"},
		Checks: api.AgentServiceChecks{
			{CheckID: "web-http", Name: "web http", HTTP: target, Interval: "200ms"},
			{CheckID: "web-ttl", Name: "web ttl", TTL: "10m"},
		},
	}))
}

func TestAPIRegistrationsSurviveARestartAndReachTheCatalog(t *testing.T) {
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {}))
	defer backend.Close()
	dir := t.TempDir()
	a, client, _ := startPersistAgent(t, dir)
	registerWeb(t, client, backend.URL)
	require.NoError(t, client.Agent().UpdateTTL("web-ttl", "all good", api.HealthPassing))
	stopAgent(t, a)

	_, client, _ = startPersistAgent(t, dir)
	services, err := client.Agent().Services()
	require.NoError(t, err)
	require.Contains(t, services, "web1")
	require.Equal(t, "web", services["web1"].Service)
	require.Equal(t, 8080, services["web1"].Port)
	require.Equal(t, []string{"v1"}, services["web1"].Tags)
	require.Equal(t, map[string]string{"team": "a"}, services["web1"].Meta)

	checks, err := client.Agent().Checks()
	require.NoError(t, err)
	require.Contains(t, checks, "web-http")
	require.Contains(t, checks, "web-ttl")
	require.Equal(t, "web1", checks["web-ttl"].ServiceID)
	require.Equal(t, api.HealthPassing, checks["web-ttl"].Status, "the TTL check's last update is restored")
	require.Equal(t, "all good", checks["web-ttl"].Output)

	require.Eventually(t, func() bool {
		entries, _, err := client.Health().Service("web", "", true, nil)
		return err == nil && len(entries) == 1 && len(entries[0].Checks) == 3
	}, testWait, 20*time.Millisecond, "the restored service never reached the catalog passing")
}

func TestADeregisteredServiceStaysGoneAfterARestart(t *testing.T) {
	dir := t.TempDir()
	a, client, _ := startPersistAgent(t, dir)
	registerWeb(t, client, "http://127.0.0.1:1/")
	require.NoError(t, client.Agent().CheckRegister(&api.AgentCheckRegistration{
		ID: "node-ttl", Name: "node ttl", AgentServiceCheck: api.AgentServiceCheck{TTL: "1m"}}))
	require.NoError(t, client.Agent().ServiceDeregister("web1"))
	stopAgent(t, a)

	for _, sub := range []string{persistServicesDir, persistChecksDir} {
		names, err := os.ReadDir(filepath.Join(dir, sub))
		require.NoError(t, err)
		var files []string
		for _, n := range names {
			if !n.IsDir() {
				files = append(files, n.Name())
			}
		}
		if sub == persistChecksDir {
			require.Equal(t, []string{persistName("node-ttl")}, files, "only the node check's file is left")
		} else {
			require.Empty(t, files)
		}
	}

	_, client, _ = startPersistAgent(t, dir)
	services, err := client.Agent().Services()
	require.NoError(t, err)
	require.NotContains(t, services, "web1")
	checks, err := client.Agent().Checks()
	require.NoError(t, err)
	require.NotContains(t, checks, "web-http")
	require.NotContains(t, checks, "web-ttl")
	require.Contains(t, checks, "node-ttl")
	require.Equal(t, api.HealthCritical, checks["node-ttl"].Status, "a check never updated is restored critical")
}

func TestPersistedFilesArePrivateAndTheTokenIsNeverLogged(t *testing.T) {
	dir := t.TempDir()
	a, client, logs := startPersistAgent(t, dir)
	registerWeb(t, client, "http://127.0.0.1:1/")
	stopAgent(t, a)

	path := filepath.Join(dir, persistServicesDir, persistName("web1"))
	info, err := os.Stat(path)
	require.NoError(t, err)
	require.Equal(t, os.FileMode(0o600), info.Mode().Perm())
	dirInfo, err := os.Stat(filepath.Join(dir, persistServicesDir))
	require.NoError(t, err)
	require.Equal(t, os.FileMode(0o700), dirInfo.Mode().Perm())
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	p, err := decodePersistedService(b)
	require.NoError(t, err)
	require.Equal(t, persistToken, p.Token, "the registration's token is kept with it")

	_, _, logs2 := startPersistAgent(t, dir)
	for _, l := range append(logs.All(), logs2.All()...) {
		line, err := json.Marshal(l.ContextMap())
		require.NoError(t, err)
		require.NotContains(t, l.Message+string(line), persistToken)
	}
}

func TestACorruptPersistedFileIsLoggedAndSkipped(t *testing.T) {
	dir := t.TempDir()
	a, client, _ := startPersistAgent(t, dir)
	registerWeb(t, client, "http://127.0.0.1:1/")
	require.NoError(t, client.Agent().ServiceRegister(&api.AgentServiceRegistration{ID: "db1", Name: "db"}))
	stopAgent(t, a)
	corrupt := filepath.Join(dir, persistServicesDir, persistName("db1"))
	require.NoError(t, os.WriteFile(corrupt, []byte(`{"Version": 1, "Service": {"ID": "db1", "Serv`), 0o600))

	_, client, logs := startPersistAgent(t, dir)
	services, err := client.Agent().Services()
	require.NoError(t, err)
	require.Contains(t, services, "web1")
	require.NotContains(t, services, "db1")
	skipped := logs.FilterMessage("skipping a persisted file that cannot be restored").All()
	require.Len(t, skipped, 1)
	require.Equal(t, corrupt, skipped[0].ContextMap()["file"])
}

func TestPersistedFileDecodersRefuseWhatTheyCannotRestore(t *testing.T) {
	good := `{"Version": 1, "Service": {"ID": "web1", "Service": "web"}}`
	_, err := decodePersistedService([]byte(good))
	require.NoError(t, err)
	for name, doc := range map[string]string{
		"a later version":  `{"Version": 2, "Service": {"ID": "web1", "Service": "web"}}`,
		"no version":       `{"Service": {"ID": "web1", "Service": "web"}}`,
		"an unknown field": `{"Version": 1, "Bogus": 1, "Service": {"ID": "web1", "Service": "web"}}`,
		"trailing data":    good + `{}`,
		"no service name":  `{"Version": 1, "Service": {"ID": "web1"}}`,
		"a torn write":     good[:len(good)-3],
	} {
		_, err := decodePersistedService([]byte(doc))
		require.ErrorIs(t, err, errPersistedFile, name)
	}
	_, err = decodePersistedCheck([]byte(`{"Version": 1, "Check": {"CheckID": "c", "Status": "sleepy"}}`))
	require.ErrorIs(t, err, errPersistedFile)
	_, err = decodePersistedCheck([]byte(`{"Version": 1, "Check": {"CheckID": "c", "Status": "passing", "TTL": -1}}`))
	require.ErrorIs(t, err, errPersistedFile)
	_, err = decodePersistedCheckState([]byte(`{"Version": 1, "CheckID": "", "Status": "passing"}`))
	require.ErrorIs(t, err, errPersistedFile)
}

func TestWriteFileAtomicReplacesTheFileAndLeavesNoTemporary(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "services")
	path := filepath.Join(dir, persistName("x"))
	require.NoError(t, writeFileAtomic(path, []byte("one")))
	require.NoError(t, writeFileAtomic(path, []byte("two")))
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	require.Equal(t, "two", string(b))
	names, err := os.ReadDir(dir)
	require.NoError(t, err)
	require.Len(t, names, 1)
}

// FuzzPersistedFileDecoders feeds arbitrary bytes to the three decoders of
// data_dir's files: none panics, and whatever one accepts encodes and
// decodes back to the same value.
func FuzzPersistedFileDecoders(f *testing.F) {
	f.Add([]byte(`{"Version": 1, "Token": "t", "Service": {"ID": "web1", "Service": "web", "Port": 80, "Tags": ["a"]}}`))
	f.Add([]byte(`{"Version": 1, "Check": {"CheckID": "c", "Status": "passing", "ServiceID": "web1", "TTL": 60000000000,
		"Definition": {"HTTP": "http://x/", "Interval": "10s"}}}`))
	f.Add([]byte(`{"Version": 1, "CheckID": "c", "Status": "warning", "Output": "o", "Expires": "2026-01-02T03:04:05Z"}`))
	f.Add([]byte(`{"Version": 2}`))
	f.Add([]byte(`nul`))
	f.Fuzz(func(t *testing.T, b []byte) {
		if p, err := decodePersistedService(b); err == nil {
			requireRoundTrip(t, p, decodePersistedService)
		}
		if p, err := decodePersistedCheck(b); err == nil {
			requireRoundTrip(t, p, decodePersistedCheck)
		}
		if p, err := decodePersistedCheckState(b); err == nil {
			requireRoundTrip(t, p, decodePersistedCheckState)
		}
	})
}

// requireRoundTrip checks that v encodes to a file decode accepts, and
// that the file decodes to what v encodes to.
func requireRoundTrip[T any](t *testing.T, v T, decode func([]byte) (T, error)) {
	b, err := json.Marshal(v)
	require.NoError(t, err)
	back, err := decode(b)
	require.NoError(t, err, "a decoded file must encode to one that decodes: %s", b)
	again, err := json.Marshal(back)
	require.NoError(t, err)
	require.JSONEq(t, string(b), string(again))
}

// The persisted check keeps what the catalog never sees.
func TestAPersistedCheckKeepsItsTTLAndScript(t *testing.T) {
	c := core.LocalCheck{HealthCheck: catalog.HealthCheck{CheckID: "c", Status: catalog.HealthCritical},
		TTL: time.Minute, ScriptArgs: []string{"/bin/true"}}
	b, err := json.Marshal(persistedCheck{Version: persistVersion, Check: c})
	require.NoError(t, err)
	p, err := decodePersistedCheck(b)
	require.NoError(t, err)
	require.Equal(t, time.Minute, p.Check.TTL)
	require.Equal(t, []string{"/bin/true"}, p.Check.ScriptArgs)
	require.False(t, strings.Contains(string(b), `"Token"`), "an empty token is not written")
}

func TestTheConfigOverridesAPersistedServiceOfTheSameID(t *testing.T) {
	dir := t.TempDir()
	a, client, _ := startPersistAgent(t, dir)
	require.NoError(t, client.Agent().ServiceRegister(&api.AgentServiceRegistration{ID: "web1", Name: "web-from-api"}))
	stopAgent(t, a)
	path := filepath.Join(dir, persistServicesDir, persistName("web1"))
	require.FileExists(t, path)

	doc := strings.TrimSuffix(persistDoc(dir), "}") + `, "services": [{"id": "web1", "name": "web-from-config"}]}`
	b, logs := startLoggedAgent(t, doc)
	client, err := api.NewClient(&api.Config{Address: b.HTTPAddr()})
	require.NoError(t, err)
	services, err := client.Agent().Services()
	require.NoError(t, err)
	require.Equal(t, "web-from-config", services["web1"].Service)
	require.NoFileExists(t, path, "the config's service is not persisted and the API's is dropped")
	require.Len(t, logs.FilterMessage("the config defines a persisted service; not restoring it").All(), 1)
}

func TestAnExpiredTTLStateIsNotRestored(t *testing.T) {
	dir := t.TempDir()
	a, client, _ := startPersistAgent(t, dir)
	require.NoError(t, client.Agent().CheckRegister(&api.AgentCheckRegistration{
		ID: "node-ttl", Name: "node ttl", AgentServiceCheck: api.AgentServiceCheck{TTL: "10m"}}))
	require.NoError(t, client.Agent().PassTTL("node-ttl", "fine"))
	stopAgent(t, a)
	path := filepath.Join(dir, persistCheckStateDir, persistName("node-ttl"))
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	st, err := decodePersistedCheckState(b)
	require.NoError(t, err)
	require.Equal(t, api.HealthPassing, st.Status)
	st.Expires = time.Now().Add(-time.Minute)
	b, err = json.Marshal(st)
	require.NoError(t, err)
	require.NoError(t, writeFileAtomic(path, b))

	_, client, _ = startPersistAgent(t, dir)
	checks, err := client.Agent().Checks()
	require.NoError(t, err)
	require.Equal(t, api.HealthCritical, checks["node-ttl"].Status)
	require.NoFileExists(t, path, "a state past its TTL is dropped")
}

// TestAReapedServiceLeavesNoSavedFiles: a service the agent removes
// because its check stayed critical past deregister_critical_service_after
// takes its saved files with it, so a restart does not bring it back.
func TestAReapedServiceLeavesNoSavedFiles(t *testing.T) {
	dir := t.TempDir()
	_, client, _ := startPersistAgent(t, dir)
	require.NoError(t, client.Agent().ServiceRegister(&api.AgentServiceRegistration{
		ID: "doomed", Name: "doomed",
		Check: &api.AgentServiceCheck{CheckID: "doomed-ttl", TTL: "1s", DeregisterCriticalServiceAfter: "1s"},
	}))
	service := filepath.Join(dir, persistServicesDir, persistName("doomed"))
	check := filepath.Join(dir, persistChecksDir, persistName("doomed-ttl"))
	require.FileExists(t, service)
	require.FileExists(t, check)
	require.Eventually(t, func() bool {
		services, err := client.Agent().Services()
		return err == nil && services["doomed"] == nil
	}, testWait, 50*time.Millisecond, "the agent never reaped the critical service")
	require.NoFileExists(t, service)
	require.NoFileExists(t, check)
}
