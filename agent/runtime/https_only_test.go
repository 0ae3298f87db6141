package runtime

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/consul/api"
	"github.com/stretchr/testify/require"

	"github.com/cairn-sd/cairn/agent/config"
	"github.com/cairn-sd/cairn/internal/tlsutil"
	"github.com/cairn-sd/cairn/internal/tlsutil/tlstest"
)

// httpsOnlyDoc is a single server's config with only the HTTPS API on
// (ports.https when https is true, else no API at all) and tls with a
// new server certificate from ca, whose files it returns too.
func httpsOnlyDoc(t *testing.T, ca *tlstest.CA, https bool) (doc, certFile, keyFile string) {
	t.Helper()
	certFile, keyFile = ca.Issue(tlsutil.KindServer, "dc1")
	port := -1
	if https {
		port = 0
	}
	doc = fmt.Sprintf(`{"node_name": %q, "server": true, "bootstrap_expect": 1, "data_dir": %q,
		"bind_addr": "127.0.0.1", "client_addr": "127.0.0.1",
		"ports": {"http": -1, "https": %d, "server": 0, "serf_lan": 0, "serf_wan": 0, "dns": 0},
		"tls": %s}`, testNode, t.TempDir(), port, tlsStanza(ca.CertFile, certFile, keyFile))
	return doc, certFile, keyFile
}

// envValue is the last value of name in env, as exec uses it.
func envValue(env []string, name string) (string, bool) {
	value, found := "", false
	for _, kv := range env {
		if v, ok := strings.CutPrefix(kv, name+"="); ok {
			value, found = v, true
		}
	}
	return value, found
}

func TestHTTPSOnlyAgentServesTheWholeAPIOverHTTPS(t *testing.T) {
	ca := tlstest.NewCA(t)
	cliCert, cliKey := ca.Issue(tlsutil.KindCLI, "dc1")
	doc, _, _ := httpsOnlyDoc(t, ca, true)
	a := startConfiguredAgent(t, doc)

	require.Empty(t, a.HTTPAddr(), "no plain HTTP listener")
	require.NotEmpty(t, a.HTTPSAddr())
	require.Equal(t, "https://"+a.HTTPSAddr(), a.APIURL())
	bound, err := ReadBoundAddresses(a.DataDir())
	require.NoError(t, err)
	require.Empty(t, bound.HTTP)
	require.Equal(t, a.HTTPSAddr(), bound.HTTPS)

	c := httpsClient(t, a, ca.CertFile, cliCert, cliKey)
	require.Eventually(t, func() bool {
		checks, _, err := c.Health().Node(testNode, nil)
		return err == nil && len(checks) == 1 && checks[0].CheckID == "serfHealth"
	}, testWait, 10*time.Millisecond, "the leader never registered its node over HTTPS")
	_, err = c.KV().Put(kvPair("app/config", "v1"), nil)
	require.NoError(t, err)
	pair, _, err := c.KV().Get("app/config", nil)
	require.NoError(t, err)
	require.NotNil(t, pair)
	require.Equal(t, "v1", string(pair.Value))
	require.NoError(t, c.Agent().ServiceRegister(&api.AgentServiceRegistration{Name: "web", Port: 8080}))
	require.Eventually(t, func() bool {
		entries, _, err := c.Health().Service("web", "", false, nil)
		return err == nil && len(entries) == 1 && entries[0].Service.Port == 8080
	}, testWait, 10*time.Millisecond, "the registered service never showed in health")
	self, err := c.Agent().Self()
	require.NoError(t, err)
	require.Equal(t, testNode, self["Config"]["NodeName"])
}

func TestWatchesOfAnHTTPSOnlyAgentGetItsURLAndTLSFiles(t *testing.T) {
	ca := tlstest.NewCA(t)
	doc, certFile, keyFile := httpsOnlyDoc(t, ca, true)
	a := startConfiguredAgent(t, doc)
	t.Setenv("CONSUL_CACERT", "/elsewhere/ca.pem")

	env := a.watchEnv("secret")
	for name, want := range map[string]string{
		"CAIRN_HTTP_ADDR": "https://" + a.HTTPSAddr(), "CONSUL_HTTP_ADDR": "",
		"CAIRN_HTTP_TOKEN": "secret", "CONSUL_HTTP_TOKEN": "",
		"CAIRN_CACERT": ca.CertFile, "CONSUL_CACERT": "",
		"CAIRN_CLIENT_CERT": certFile, "CAIRN_CLIENT_KEY": keyFile,
	} {
		got, ok := envValue(env, name)
		require.True(t, ok, name)
		require.Equal(t, want, got, name)
	}
}

func TestWatchesOfAnHTTPAgentGetItsPlainAddress(t *testing.T) {
	a, _ := startAgent(t, "")
	env := a.watchEnv("")
	got, ok := envValue(env, "CAIRN_HTTP_ADDR")
	require.True(t, ok)
	require.Equal(t, a.HTTPAddr(), got)
	require.Equal(t, "http://"+a.HTTPAddr(), a.APIURL())
	_, ok = envValue(env, "CAIRN_CACERT")
	require.False(t, ok, "no TLS files for a plain HTTP agent")
}

func TestAgentWithNeitherHTTPNorHTTPSIsRefusedWithOneLine(t *testing.T) {
	doc, _, _ := httpsOnlyDoc(t, tlstest.NewCA(t), false)
	cfg, err := config.Parse("agent.json", []byte(doc), config.Options{})
	require.NoError(t, err)
	_, err = New(cfg, Options{Version: "test"})
	require.Error(t, err)
	require.Contains(t, err.Error(), "ports.http and ports.https are -1")
	require.NotContains(t, err.Error(), "\n")
}
