package tlsutil_test

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"net"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/cairn-sd/cairn/internal/tlsutil"
	"github.com/cairn-sd/cairn/internal/tlsutil/tlstest"
)

func TestServerAndClientOfOneCAHandshakeAndServerIsRecognised(t *testing.T) {
	ca := tlstest.NewCA(t)
	server, client := rpcSettings(t, ca, tlsutil.KindServer), rpcSettings(t, ca, tlsutil.KindServer)
	serverErr, clientErr, state := handshake(t, server.RPCServer(), client.RPCClient())
	require.NoError(t, serverErr)
	require.NoError(t, clientErr)
	require.True(t, server.IsLocalServer(state), "a server certificate of dc1 is a server of dc1")
}

func TestClientCertificateFromAnotherCAIsRefusedWithVerifyIncoming(t *testing.T) {
	ca, other := tlstest.NewCA(t), tlstest.NewCA(t)
	server := rpcSettings(t, ca, tlsutil.KindServer)
	stranger := rpcSettings(t, other, tlsutil.KindClient)
	cfg := stranger.RPCClient()
	cfg.VerifyConnection = nil // the stranger trusts anything, so only the server's check can refuse
	serverErr, _, _ := handshake(t, server.RPCServer(), cfg)
	require.Error(t, serverErr)
	require.ErrorContains(t, serverErr, "certificate")
}

func TestClientWithoutCertificateIsRefusedWithVerifyIncoming(t *testing.T) {
	ca := tlstest.NewCA(t)
	server := rpcSettings(t, ca, tlsutil.KindServer)
	anonymous := rpcSettings(t, ca, 0)
	serverErr, _, _ := handshake(t, server.RPCServer(), anonymous.RPCClient())
	require.Error(t, serverErr)
}

func TestClientWithoutCertificateIsAcceptedWithoutVerifyIncoming(t *testing.T) {
	ca := tlstest.NewCA(t)
	certFile, keyFile := ca.Issue(tlsutil.KindServer, "dc1")
	server, err := tlsutil.New(tlsutil.Config{Datacenter: "dc1", InternalRPC: tlsutil.Protocol{CAFile: ca.CertFile, CertFile: certFile, KeyFile: keyFile}})
	require.NoError(t, err)
	anonymous := rpcSettings(t, ca, 0)
	serverErr, clientErr, state := handshake(t, server.RPCServer(), anonymous.RPCClient())
	require.NoError(t, serverErr)
	require.NoError(t, clientErr)
	require.False(t, server.IsLocalServer(state), "a peer without a certificate is no server")
}

func TestServerCertificateFromAnotherCAIsRefusedWithVerifyOutgoing(t *testing.T) {
	ca, other := tlstest.NewCA(t), tlstest.NewCA(t)
	impostor := rpcSettings(t, other, tlsutil.KindServer)
	client := rpcSettings(t, ca, tlsutil.KindClient)
	_, clientErr, _ := handshake(t, impostor.RPCServer(), client.RPCClient())
	require.ErrorContains(t, clientErr, "unknown authority")
}

func TestVerifyServerHostnameRefusesClientCertificateActingAsServer(t *testing.T) {
	ca := tlstest.NewCA(t)
	impostor := rpcSettings(t, ca, tlsutil.KindClient)
	client := rpcSettings(t, ca, tlsutil.KindServer)
	_, clientErr, _ := handshake(t, impostor.RPCServer(), client.RPCClient())
	require.ErrorIs(t, clientErr, tlsutil.ErrNotServer)

	// Without verify_server_hostname the same certificate is accepted:
	// the check above is what refused it.
	lax, err := tlsutil.New(tlsutil.Config{Datacenter: "dc1", InternalRPC: tlsutil.Protocol{CAFile: ca.CertFile, VerifyOutgoing: true}})
	require.NoError(t, err)
	_, clientErr, _ = handshake(t, impostor.RPCServer(), lax.RPCClient())
	require.NoError(t, clientErr)
}

func TestIsLocalServerRefusesClientCertificateAndOtherDatacenter(t *testing.T) {
	ca := tlstest.NewCA(t)
	server := rpcSettings(t, ca, tlsutil.KindServer)
	for _, tc := range []struct {
		name string
		kind tlsutil.Kind
		dc   string
	}{{"client of dc1", tlsutil.KindClient, "dc1"}, {"server of dc2", tlsutil.KindServer, "dc2"}} {
		certFile, keyFile := ca.Issue(tc.kind, tc.dc)
		peer, err := tlsutil.New(tlsutil.Config{Datacenter: tc.dc, InternalRPC: tlsutil.Protocol{CAFile: ca.CertFile, CertFile: certFile, KeyFile: keyFile, VerifyOutgoing: true}})
		require.NoError(t, err)
		serverErr, clientErr, state := handshake(t, server.RPCServer(), peer.RPCClient())
		require.NoError(t, serverErr, tc.name)
		require.NoError(t, clientErr, tc.name)
		require.False(t, server.IsLocalServer(state), tc.name)
	}
}

func TestHTTPSWithVerifyIncomingRequiresClientCertificate(t *testing.T) {
	ca := tlstest.NewCA(t)
	certFile, keyFile := ca.Issue(tlsutil.KindServer, "dc1")
	c, err := tlsutil.New(tlsutil.Config{Datacenter: "dc1", HTTPS: tlsutil.Protocol{CAFile: ca.CertFile, CertFile: certFile, KeyFile: keyFile, VerifyIncoming: true}})
	require.NoError(t, err)
	cfg := c.HTTPSServer()
	require.Equal(t, tls.RequireAndVerifyClientCert, cfg.ClientAuth)
	require.Nil(t, c.RPCServer(), "internal_rpc has no certificate of its own")
	require.Nil(t, c.RPCClient(), "internal_rpc has verify_outgoing off")
}

func TestNewRejectsBrokenSettingsWithOneLineErrors(t *testing.T) {
	ca := tlstest.NewCA(t)
	certFile, keyFile := ca.Issue(tlsutil.KindServer, "dc1")
	otherCert, _ := ca.Issue(tlsutil.KindServer, "dc1")
	notCA := filepath.Join(t.TempDir(), "empty.pem")
	require.NoError(t, os.WriteFile(notCA, []byte("no pem here"), 0o600))
	for _, tc := range []struct {
		name string
		p    tlsutil.Protocol
		want string
	}{
		{"missing cert", tlsutil.Protocol{CertFile: "/nonexistent/cert.pem", KeyFile: keyFile}, "read cert_file"},
		{"missing key", tlsutil.Protocol{CertFile: certFile, KeyFile: "/nonexistent/key.pem"}, "read key_file"},
		{"mismatch", tlsutil.Protocol{CertFile: otherCert, KeyFile: keyFile}, "private key does not match"},
		{"cert without key", tlsutil.Protocol{CertFile: certFile}, "must be set together"},
		{"incoming without cert", tlsutil.Protocol{CAFile: ca.CertFile, VerifyIncoming: true}, "verify_incoming needs cert_file"},
		{"incoming without CA", tlsutil.Protocol{CertFile: certFile, KeyFile: keyFile, VerifyIncoming: true}, "verify_incoming needs ca_file"},
		{"outgoing without CA", tlsutil.Protocol{VerifyOutgoing: true}, "verify_outgoing needs ca_file"},
		{"missing CA", tlsutil.Protocol{CAFile: "/nonexistent/ca.pem"}, "read CA file"},
		{"CA without PEM", tlsutil.Protocol{CAFile: notCA}, "holds no PEM certificate"},
		{"bad version", tlsutil.Protocol{MinVersion: tls.VersionTLS10}, "tls_min_version"},
	} {
		_, err := tlsutil.New(tlsutil.Config{Datacenter: "dc1", InternalRPC: tc.p})
		require.ErrorIs(t, err, tlsutil.ErrInvalid, tc.name)
		require.ErrorContains(t, err, tc.want, tc.name)
		require.ErrorContains(t, err, "internal_rpc", tc.name)
		require.NotContains(t, err.Error(), "\n", tc.name)
	}
}

func TestParseVersion(t *testing.T) {
	v, err := tlsutil.ParseVersion("TLSv1_3")
	require.NoError(t, err)
	require.Equal(t, uint16(tls.VersionTLS13), v)
	v, err = tlsutil.ParseVersion("TLSv1_2")
	require.NoError(t, err)
	require.Equal(t, uint16(tls.VersionTLS12), v)
	_, err = tlsutil.ParseVersion("TLSv1_0")
	require.ErrorIs(t, err, tlsutil.ErrInvalid)
}

func TestMinVersionTLS13RefusesTLS12Peer(t *testing.T) {
	ca := tlstest.NewCA(t)
	certFile, keyFile := ca.Issue(tlsutil.KindServer, "dc1")
	c, err := tlsutil.New(tlsutil.Config{Datacenter: "dc1", InternalRPC: tlsutil.Protocol{CAFile: ca.CertFile, CertFile: certFile, KeyFile: keyFile, MinVersion: tls.VersionTLS13}})
	require.NoError(t, err)
	client := rpcSettings(t, ca, 0).RPCClient()
	client.MaxVersion = tls.VersionTLS12
	serverErr, _, _ := handshake(t, c.RPCServer(), client)
	require.ErrorContains(t, serverErr, "version")
}

func TestServerCertificateCarriesConsulNames(t *testing.T) {
	ca := tlstest.NewCA(t)
	certPEM, _, err := tlsutil.GenerateCert(tlsutil.CertOptions{Kind: tlsutil.KindServer, Datacenter: "east", Domain: "example",
		DNSNames: []string{"srv.example.org"}, IPAddresses: []net.IP{net.ParseIP("10.0.0.7")},
		CACert: ca.CertPEM, CAKey: ca.KeyPEM})
	require.NoError(t, err)
	block, _ := pem.Decode(certPEM)
	cert, err := x509.ParseCertificate(block.Bytes)
	require.NoError(t, err)
	require.Equal(t, "server.east.example", cert.Subject.CommonName)
	require.Equal(t, []string{"server.east.example", "localhost", "srv.example.org"}, cert.DNSNames)
	require.Len(t, cert.IPAddresses, 2)
	require.True(t, cert.IPAddresses[0].Equal(net.IPv4(127, 0, 0, 1)))
	require.True(t, cert.IPAddresses[1].Equal(net.ParseIP("10.0.0.7")))
	pool := x509.NewCertPool()
	require.True(t, pool.AppendCertsFromPEM(ca.CertPEM))
	_, err = cert.Verify(x509.VerifyOptions{Roots: pool, DNSName: "localhost"})
	require.NoError(t, err)
}

func TestCLICertificateCannotServe(t *testing.T) {
	ca := tlstest.NewCA(t)
	certPEM, _, err := tlsutil.GenerateCert(tlsutil.CertOptions{Kind: tlsutil.KindCLI, Datacenter: "dc1", CACert: ca.CertPEM, CAKey: ca.KeyPEM})
	require.NoError(t, err)
	block, _ := pem.Decode(certPEM)
	cert, err := x509.ParseCertificate(block.Bytes)
	require.NoError(t, err)
	require.Equal(t, "cli.dc1.consul", cert.Subject.CommonName)
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(ca.CertPEM)
	_, err = cert.Verify(x509.VerifyOptions{Roots: pool, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}})
	require.Error(t, err)
	_, err = cert.Verify(x509.VerifyOptions{Roots: pool, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}})
	require.NoError(t, err)
}

func TestParseCARefusesMismatchedKeyAndLeafCertificate(t *testing.T) {
	ca, other := tlstest.NewCA(t), tlstest.NewCA(t)
	_, _, err := tlsutil.ParseCA(ca.CertPEM, other.KeyPEM)
	require.ErrorContains(t, err, "does not match")
	leaf, leafKey, err := tlsutil.GenerateCert(tlsutil.CertOptions{Kind: tlsutil.KindServer, Datacenter: "dc1", CACert: ca.CertPEM, CAKey: ca.KeyPEM})
	require.NoError(t, err)
	_, _, err = tlsutil.ParseCA(leaf, leafKey)
	require.ErrorContains(t, err, "not a CA")
	_, _, err = tlsutil.GenerateCert(tlsutil.CertOptions{Kind: tlsutil.KindServer, Datacenter: "dc1", CACert: ca.CertPEM, CAKey: other.KeyPEM})
	require.Error(t, err)
}

func FuzzParseCA(f *testing.F) {
	certPEM, keyPEM, err := tlsutil.GenerateCA(tlsutil.CAOptions{})
	require.NoError(f, err)
	f.Add(certPEM, keyPEM)
	f.Add([]byte("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"), []byte("-----BEGIN EC PRIVATE KEY-----\nAAAA\n-----END EC PRIVATE KEY-----\n"))
	f.Add([]byte{}, []byte{})
	f.Fuzz(func(t *testing.T, certPEM, keyPEM []byte) {
		cert, key, err := tlsutil.ParseCA(certPEM, keyPEM)
		if err == nil {
			require.True(t, cert.IsCA)
			require.NotNil(t, key)
		}
	})
}
