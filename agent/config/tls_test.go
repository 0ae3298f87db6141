package config

import (
	"crypto/tls"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/cairn-sd/cairn/internal/tlsutil"
	"github.com/cairn-sd/cairn/internal/tlsutil/tlstest"
)

// tlsFiles are a CA and two server certificates with their keys.
type tlsFiles struct {
	ca, cert, key, cert2, key2 string
}

func writeTLSFiles(t *testing.T) tlsFiles {
	t.Helper()
	ca := tlstest.NewCA(t)
	f := tlsFiles{ca: ca.CertFile}
	f.cert, f.key = ca.Issue(tlsutil.KindServer, "dc1")
	f.cert2, f.key2 = ca.Issue(tlsutil.KindServer, "dc1")
	return f
}

// jsonPath quotes a file path for a JSON document.
func jsonPath(p string) string { return `"` + filepath.ToSlash(p) + `"` }

func TestTLSListenerLevelsOverrideDefaults(t *testing.T) {
	f := writeTLSFiles(t)
	c, err := parse(t, `{"data_dir": "/d", "datacenter": "east", "domain": "example", "ports": {"https": 8501},
		"tls": {
			"defaults": {"ca_file": `+jsonPath(f.ca)+`, "cert_file": `+jsonPath(f.cert)+`, "key_file": `+jsonPath(f.key)+`,
				"verify_incoming": true, "verify_outgoing": true, "tls_min_version": "TLSv1_3"},
			"https": {"verify_incoming": false, "cert_file": `+jsonPath(f.cert2)+`, "key_file": `+jsonPath(f.key2)+`},
			"internal_rpc": {"verify_server_hostname": true, "tls_min_version": "TLSv1_2"}
		}}`)
	require.NoError(t, err)
	require.Equal(t, tlsutil.Protocol{CAFile: f.ca, CertFile: f.cert2, KeyFile: f.key2,
		VerifyOutgoing: true, MinVersion: tls.VersionTLS13}, c.TLS.HTTPS)
	require.Equal(t, tlsutil.Protocol{CAFile: f.ca, CertFile: f.cert, KeyFile: f.key,
		VerifyIncoming: true, VerifyOutgoing: true, VerifyServerHostname: true, MinVersion: tls.VersionTLS12}, c.TLS.InternalRPC)
	require.Equal(t, "east", c.TLS.Datacenter)
	require.Equal(t, "example", c.TLS.Domain)
	require.Equal(t, 8501, c.Ports.HTTPS)
}

func TestTLSLegacyTopLevelKeysSetDefaults(t *testing.T) {
	f := writeTLSFiles(t)
	c, err := parse(t, `{"data_dir": "/d", "ca_file": `+jsonPath(f.ca)+`, "cert_file": `+jsonPath(f.cert)+`,
		"key_file": `+jsonPath(f.key)+`, "verify_incoming": true, "verify_server_hostname": true}`)
	require.NoError(t, err)
	require.True(t, c.TLS.InternalRPC.VerifyIncoming)
	require.True(t, c.TLS.HTTPS.VerifyIncoming)
	require.True(t, c.TLS.InternalRPC.VerifyServerHostname)
	require.True(t, c.TLS.InternalRPC.VerifyOutgoing, "verify_server_hostname implies verify_outgoing")
	require.False(t, c.TLS.HTTPS.VerifyOutgoing)
	require.Equal(t, f.cert, c.TLS.HTTPS.CertFile)
}

func TestTLSIsOffByDefault(t *testing.T) {
	c, err := parse(t, `{"data_dir": "/d"}`)
	require.NoError(t, err)
	require.False(t, c.TLS.HTTPS.Enabled())
	require.False(t, c.TLS.InternalRPC.Enabled())
	require.Equal(t, -1, c.Ports.HTTPS)
	require.Equal(t, "consul", c.TLS.Domain)
}

func TestTLSConfigErrorsNameTheKeyOnOneLine(t *testing.T) {
	f := writeTLSFiles(t)
	for _, tc := range []struct {
		name, doc, want string
	}{
		{"https without cert", `{"ports": {"https": 8501}}`, "config: test.json: ports.https: the HTTPS listener needs a certificate"},
		{"missing cert file", `{"tls": {"defaults": {"cert_file": "/nonexistent/c.pem", "key_file": ` + jsonPath(f.key) + `}}}`,
			"config: tls.https: read cert_file: open /nonexistent/c.pem"},
		{"cert and key mismatch", `{"tls": {"internal_rpc": {"cert_file": ` + jsonPath(f.cert) + `, "key_file": ` + jsonPath(f.key2) + `}}}`,
			"tls.internal_rpc: cert_file " + f.cert + " with key_file " + f.key2 + ": tls: private key does not match public key"},
		{"verify_incoming without CA", `{"tls": {"https": {"cert_file": ` + jsonPath(f.cert) + `, "key_file": ` + jsonPath(f.key) + `, "verify_incoming": true}}}`,
			"tls.https: verify_incoming needs ca_file or ca_path"},
		{"bad version", `{"tls": {"defaults": {"tls_min_version": "TLSv1_0"}}}`,
			`config: test.json: tls.defaults.tls_min_version: must be TLSv1_2 or TLSv1_3, got "TLSv1_0"`},
		{"hostname check on https", `{"tls": {"https": {"verify_server_hostname": true}}}`, "tls.https.verify_server_hostname: unknown key"},
		{"empty path", `{"ca_file": ""}`, "ca_file: must not be empty"},
	} {
		_, err := parse(t, strings.Replace(tc.doc, "{", `{"data_dir": "/d", `, 1))
		require.ErrorIs(t, err, ErrInvalid, tc.name)
		require.ErrorContains(t, err, tc.want, tc.name)
		require.NotContains(t, err.Error(), "\n", tc.name)
	}
}

// FuzzParseTLS feeds the parser documents around the tls stanza.
func FuzzParseTLS(f *testing.F) {
	f.Add([]byte(`{"data_dir":"/d","tls":{"defaults":{"verify_incoming":true,"tls_min_version":"TLSv1_3"}}}`))
	f.Add([]byte(`{"data_dir":"/d","tls":{"internal_rpc":{"verify_server_hostname":true,"ca_path":"/x"}},"ports":{"https":0}}`))
	f.Add([]byte(`{"data_dir":"/d","ca_file":"a","cert_file":"b","key_file":"c","verify_outgoing":true}`))
	f.Add([]byte(`{"tls":{"https":[]}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := Parse("fuzz.json", data, hostOptions())
		if err == nil {
			_ = c.String()
		}
	})
}
