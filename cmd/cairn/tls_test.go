package main

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/cairn-sd/cairn/internal/tlsutil"
)

// runCLI runs cairn with args and returns the exit code and outputs.
func runCLI(args ...string) (int, string, string) {
	var stdout, stderr bytes.Buffer
	code := run(args, &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

// readCert parses the first certificate of a PEM file.
func readCert(t *testing.T, name string) *x509.Certificate {
	t.Helper()
	data, err := os.ReadFile(name)
	require.NoError(t, err)
	block, _ := pem.Decode(data)
	require.NotNil(t, block, name)
	cert, err := x509.ParseCertificate(block.Bytes)
	require.NoError(t, err)
	return cert
}

func TestTLSCACreateAndCertCreateWriteFilesThatVerifyAgainstEachOther(t *testing.T) {
	t.Chdir(t.TempDir())
	code, out, errOut := runCLI("tls", "ca", "create")
	require.Equal(t, 0, code, errOut)
	require.Contains(t, out, "==> Saved consul-agent-ca.pem")
	require.Contains(t, out, "==> Saved consul-agent-ca-key.pem")
	st, err := os.Stat("consul-agent-ca-key.pem")
	require.NoError(t, err)
	require.Equal(t, os.FileMode(0o600), st.Mode().Perm())
	ca := readCert(t, "consul-agent-ca.pem")
	require.True(t, ca.IsCA)
	roots := x509.NewCertPool()
	roots.AddCert(ca)

	code, out, errOut = runCLI("tls", "cert", "create", "-server", "-additional-dnsname", "srv.example.org", "-additional-ipaddress", "10.1.2.3")
	require.Equal(t, 0, code, errOut)
	require.Contains(t, out, "WARNING")
	require.Contains(t, out, "==> Saved dc1-server-consul-0.pem")
	require.Contains(t, out, "==> Saved dc1-server-consul-0-key.pem")
	st, err = os.Stat("dc1-server-consul-0-key.pem")
	require.NoError(t, err)
	require.Equal(t, os.FileMode(0o600), st.Mode().Perm())
	server := readCert(t, "dc1-server-consul-0.pem")
	for _, name := range []string{"server.dc1.consul", "localhost", "srv.example.org"} {
		_, err := server.Verify(x509.VerifyOptions{Roots: roots, DNSName: name})
		require.NoError(t, err, name)
	}
	_, err = server.Verify(x509.VerifyOptions{Roots: roots, DNSName: "127.0.0.1"})
	require.NoError(t, err)
	_, err = server.Verify(x509.VerifyOptions{Roots: roots, DNSName: "10.1.2.3"})
	require.NoError(t, err)
	_, err = tls.LoadX509KeyPair("dc1-server-consul-0.pem", "dc1-server-consul-0-key.pem")
	require.NoError(t, err, "the key file does not belong to the certificate")

	code, out, errOut = runCLI("tls", "cert", "create", "-server")
	require.Equal(t, 0, code, errOut)
	require.Contains(t, out, "==> Saved dc1-server-consul-1.pem", "a second certificate takes the next number")

	code, out, errOut = runCLI("tls", "cert", "create", "-client", "-dc", "east")
	require.Equal(t, 0, code, errOut)
	require.Contains(t, out, "==> Saved east-client-consul-0.pem")
	client := readCert(t, "east-client-consul-0.pem")
	require.Equal(t, "client.east.consul", client.Subject.CommonName)
	_, err = client.Verify(x509.VerifyOptions{Roots: roots, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}})
	require.NoError(t, err)

	code, _, errOut = runCLI("tls", "cert", "create", "-cli")
	require.Equal(t, 0, code, errOut)
	require.Equal(t, "cli.dc1.consul", readCert(t, "dc1-cli-consul-0.pem").Subject.CommonName)
}

func TestTLSCACreateWithDomainAndDaysNamesItsFiles(t *testing.T) {
	t.Chdir(t.TempDir())
	code, _, errOut := runCLI("tls", "ca", "create", "-domain", "cairn", "-days", "30")
	require.Equal(t, 0, code, errOut)
	ca := readCert(t, "cairn-agent-ca.pem")
	require.InDelta(t, 30*24, ca.NotAfter.Sub(ca.NotBefore).Hours(), 1)
	code, out, errOut := runCLI("tls", "cert", "create", "-server", "-domain", "cairn")
	require.Equal(t, 0, code, errOut)
	require.Contains(t, out, "==> Saved dc1-server-cairn-0.pem")
	require.Equal(t, "server.dc1.cairn", readCert(t, "dc1-server-cairn-0.pem").Subject.CommonName)
}

func TestTLSCommandsRefuseBadInput(t *testing.T) {
	t.Chdir(t.TempDir())
	code, _, errOut := runCLI("tls", "cert", "create", "-server")
	require.Equal(t, 1, code)
	require.Contains(t, errOut, "Error reading the CA certificate")

	code, _, _ = runCLI("tls", "ca", "create")
	require.Equal(t, 0, code)
	code, _, errOut = runCLI("tls", "ca", "create")
	require.Equal(t, 1, code, "an existing CA must not be overwritten")
	require.Contains(t, errOut, "file exists")

	for _, args := range [][]string{
		{"-server", "-client"},
		{},
		{"-server", "-additional-ipaddress", "not-an-ip"},
		{"-server", "-days", "0"},
	} {
		code, _, errOut = runCLI(append([]string{"tls", "cert", "create"}, args...)...)
		require.Equal(t, 1, code, args)
		require.NotEmpty(t, errOut, args)
	}
	_, err := os.Stat("dc1-server-consul-0.pem")
	require.ErrorIs(t, err, os.ErrNotExist, "a refused command wrote a certificate")
}

// httpsAgent is a fake agent serving GET /v1/kv/app over HTTPS that
// requires a client certificate from the CA in dir.
func httpsAgent(t *testing.T) (srv *httptest.Server, dir string) {
	t.Helper()
	dir = t.TempDir()
	t.Chdir(dir)
	for _, args := range [][]string{{"tls", "ca", "create"}, {"tls", "cert", "create", "-server"}, {"tls", "cert", "create", "-cli"}} {
		code, _, errOut := runCLI(args...)
		require.Equal(t, 0, code, errOut)
	}
	conf, err := tlsutil.New(tlsutil.Config{Datacenter: "dc1", HTTPS: tlsutil.Protocol{
		CAFile: "consul-agent-ca.pem", CertFile: "dc1-server-consul-0.pem", KeyFile: "dc1-server-consul-0-key.pem", VerifyIncoming: true}})
	require.NoError(t, err)
	srv = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/v1/kv/app" {
			http.NotFound(w, r)
			return
		}
		w.Write([]byte(`[{"Key":"app","Value":"` + base64.StdEncoding.EncodeToString([]byte("secret-sauce")) + `"}]`))
	}))
	srv.TLS = conf.HTTPSServer()
	srv.StartTLS()
	t.Cleanup(srv.Close)
	for _, k := range []string{"CAIRN_HTTP_ADDR", "CONSUL_HTTP_ADDR", "CAIRN_HTTP_TOKEN", "CONSUL_HTTP_TOKEN",
		"CAIRN_HTTP_TOKEN_FILE", "CONSUL_HTTP_TOKEN_FILE", "CAIRN_HTTP_SSL", "CONSUL_HTTP_SSL",
		"CAIRN_HTTP_SSL_VERIFY", "CONSUL_HTTP_SSL_VERIFY", "CAIRN_TLS_SERVER_NAME", "CONSUL_TLS_SERVER_NAME"} {
		t.Setenv(k, "")
	}
	for _, name := range []string{"CACERT", "CAPATH", "CLIENT_CERT", "CLIENT_KEY"} {
		t.Setenv("CAIRN_"+name, "")
		t.Setenv("CONSUL_"+name, "")
	}
	return srv, dir
}

func TestCLIReadsKVOverHTTPSWithFlags(t *testing.T) {
	srv, dir := httpsAgent(t)
	code, out, errOut := runCLI("kv", "get", "-http-addr", srv.URL,
		"-ca-file", filepath.Join(dir, "consul-agent-ca.pem"),
		"-client-cert", filepath.Join(dir, "dc1-cli-consul-0.pem"), "-client-key", filepath.Join(dir, "dc1-cli-consul-0-key.pem"), "app")
	require.Equal(t, 0, code, errOut)
	require.Equal(t, "secret-sauce", strings.TrimSpace(out))
}

func TestCLIReadsKVOverHTTPSWithConsulEnvironment(t *testing.T) {
	srv, dir := httpsAgent(t)
	t.Setenv("CONSUL_HTTP_ADDR", strings.TrimPrefix(srv.URL, "https://"))
	t.Setenv("CONSUL_HTTP_SSL", "true")
	t.Setenv("CONSUL_CACERT", filepath.Join(dir, "consul-agent-ca.pem"))
	t.Setenv("CONSUL_CLIENT_CERT", filepath.Join(dir, "dc1-cli-consul-0.pem"))
	t.Setenv("CAIRN_CLIENT_KEY", filepath.Join(dir, "dc1-cli-consul-0-key.pem"))
	code, out, errOut := runCLI("kv", "get", "app")
	require.Equal(t, 0, code, errOut)
	require.Equal(t, "secret-sauce", strings.TrimSpace(out))
}

func TestCLIOverHTTPSFailsWithoutClientCertificateOrCA(t *testing.T) {
	srv, dir := httpsAgent(t)
	caFile := filepath.Join(dir, "consul-agent-ca.pem")
	code, _, errOut := runCLI("kv", "get", "-http-addr", srv.URL, "-ca-file", caFile, "app")
	require.Equal(t, 1, code)
	require.Contains(t, errOut, "certificate", "the agent must refuse a CLI without a client certificate")

	code, _, errOut = runCLI("kv", "get", "-http-addr", srv.URL,
		"-client-cert", filepath.Join(dir, "dc1-cli-consul-0.pem"), "-client-key", filepath.Join(dir, "dc1-cli-consul-0-key.pem"), "app")
	require.Equal(t, 1, code)
	require.Contains(t, errOut, "certificate signed by unknown authority", "the CLI must check the agent's certificate")

	code, _, errOut = runCLI("kv", "get", "-http-addr", srv.URL, "-ca-file", caFile, "-client-cert", filepath.Join(dir, "dc1-cli-consul-0.pem"), "app")
	require.Equal(t, 1, code)
	require.Contains(t, errOut, "-client-key")
}

func TestWithSchemeAddsHTTPSOnlyToBareAddresses(t *testing.T) {
	require.Equal(t, "https://127.0.0.1:8501", withScheme("127.0.0.1:8501", true))
	require.Equal(t, "127.0.0.1:8500", withScheme("127.0.0.1:8500", false))
	require.Equal(t, "http://h:1", withScheme("http://h:1", true))
	require.Equal(t, "unix:///tmp/s", withScheme("unix:///tmp/s", true))
}
