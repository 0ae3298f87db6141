package tlsutil_test

import (
	"crypto/tls"
	"net"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/cairn-sd/cairn/internal/tlsutil"
	"github.com/cairn-sd/cairn/internal/tlsutil/tlstest"
)

// rpcSettings is a Configurator for the server port with every check on,
// holding a certificate of kind from ca (none when kind is 0).
func rpcSettings(t *testing.T, ca *tlstest.CA, kind tlsutil.Kind) *tlsutil.Configurator {
	t.Helper()
	p := tlsutil.Protocol{CAFile: ca.CertFile, VerifyOutgoing: true, VerifyServerHostname: true}
	if kind != 0 {
		p.CertFile, p.KeyFile = ca.Issue(kind, "dc1")
		p.VerifyIncoming = true
	}
	c, err := tlsutil.New(tlsutil.Config{InternalRPC: p, Datacenter: "dc1"})
	require.NoError(t, err)
	return c
}

// handshake runs a TLS handshake between the two configurations over an
// in-memory pipe and returns each side's error and the server's view.
func handshake(t *testing.T, server, client *tls.Config) (serverErr, clientErr error, state tls.ConnectionState) {
	t.Helper()
	a, b := net.Pipe()
	srv, cli := tls.Server(a, server), tls.Client(b, client)
	done := make(chan error, 1)
	go func() {
		err := srv.Handshake()
		if err != nil {
			a.Close()
		}
		done <- err
	}()
	clientErr = cli.Handshake()
	if clientErr != nil {
		b.Close()
	} else {
		// TLS 1.3 reports the server's refusal of a client certificate on
		// the client's first read.
		go func() { _, _ = cli.Read(make([]byte, 1)) }()
	}
	serverErr = <-done
	state = srv.ConnectionState()
	a.Close()
	b.Close()
	return serverErr, clientErr, state
}
