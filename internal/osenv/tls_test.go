package osenv

import (
	"crypto/tls"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"github.com/cairn-sd/cairn/internal/tlsutil"
	"github.com/cairn-sd/cairn/internal/tlsutil/tlstest"
	"github.com/cairn-sd/cairn/netsim"
)

// Test protocol bytes: a one-byte first message 1 is "Raft", 2 is "RPC".
func classify(first []byte) StreamKind {
	if len(first) == 1 {
		switch first[0] {
		case 1:
			return StreamServerOnly
		case 2:
			return StreamInternal
		}
	}
	return StreamOther
}

// rpcTLS returns the TLS of an Env holding a certificate of kind from
// ca, with verify_incoming, verify_outgoing and verify_server_hostname on.
func rpcTLS(t *testing.T, ca *tlstest.CA, kind tlsutil.Kind) *TLS {
	t.Helper()
	certFile, keyFile := ca.Issue(kind, "dc1")
	c, err := tlsutil.New(tlsutil.Config{Datacenter: "dc1", InternalRPC: tlsutil.Protocol{
		CAFile: ca.CertFile, CertFile: certFile, KeyFile: keyFile,
		VerifyIncoming: true, VerifyOutgoing: true, VerifyServerHostname: true}})
	require.NoError(t, err)
	return &TLS{Server: c.RPCServer(), Client: c.RPCClient(), RequireIncoming: true, Classify: classify, IsServer: c.IsLocalServer}
}

func startTLSEnv(t *testing.T, settings *TLS, logger *zap.Logger) *Env {
	t.Helper()
	e, err := New(Config{Host: "127.0.0.1", DataDir: t.TempDir(), TLS: settings, Logger: logger})
	require.NoError(t, err)
	go e.Run()
	t.Cleanup(e.Close)
	return e
}

// listen starts a listener on e whose streams report to one recorder.
func listen(t *testing.T, e *Env) (string, *recorder) {
	t.Helper()
	server := newRecorder()
	server.closed = make(chan error, 100) // one per stream
	var addr string
	e.Do(func() {
		ln, err := e.Net().Listen(0, func(netsim.Stream) netsim.StreamHandler { return server })
		require.NoError(t, err)
		addr = ln.Addr()
	})
	return addr, server
}

// dialAndSend dials addr from e and sends msgs in the same callback.
func dialAndSend(t *testing.T, e *Env, addr string, msgs ...string) *recorder {
	t.Helper()
	client := newRecorder()
	e.Do(func() {
		s := e.Net().Dial(addr, client)
		for _, m := range msgs {
			require.NoError(t, s.Send([]byte(m)))
		}
	})
	return client
}

// refusedWithLog waits for the client's stream to end and for the
// server's log to say why.
func refusedWithLog(t *testing.T, client *recorder, logs *observer.ObservedLogs, want string) {
	t.Helper()
	require.Error(t, recv(t, client.closed))
	require.Eventually(t, func() bool { return logs.FilterMessageSnippet(want).Len() > 0 }, wait, 10*time.Millisecond,
		"the server never logged %q", want)
}

func TestTLSStreamCarriesRPCAndRaftBetweenServers(t *testing.T) {
	p := tlstest.NewCA(t)
	srv := startTLSEnv(t, rpcTLS(t, p, tlsutil.KindServer), nil)
	cli := startTLSEnv(t, rpcTLS(t, p, tlsutil.KindServer), nil)
	addr, server := listen(t, srv)
	dialAndSend(t, cli, addr, "\x02", "call")
	require.Equal(t, "\x02", recv(t, server.msgs))
	require.Equal(t, "call", recv(t, server.msgs))
	dialAndSend(t, cli, addr, "\x01", "append")
	require.Equal(t, "\x01", recv(t, server.msgs))
	require.Equal(t, "append", recv(t, server.msgs))
}

func TestPlainRPCIsRefusedWithVerifyIncomingAndTheLogSaysWhy(t *testing.T) {
	p := tlstest.NewCA(t)
	core, logs := observer.New(zap.WarnLevel)
	srv := startTLSEnv(t, rpcTLS(t, p, tlsutil.KindServer), zap.New(core))
	plain := startEnv(t)
	addr, server := listen(t, srv)
	client := dialAndSend(t, plain, addr, "\x02", "call")
	refusedWithLog(t, client, logs, "verify_incoming requires TLS")
	select {
	case m := <-server.msgs:
		t.Fatalf("the server passed on %q from a plain-text peer", m)
	default:
	}
}

func TestPlainGossipStreamIsAcceptedBesideTLS(t *testing.T) {
	p := tlstest.NewCA(t)
	srv := startTLSEnv(t, rpcTLS(t, p, tlsutil.KindServer), nil)
	plain := startEnv(t)
	addr, server := listen(t, srv)
	dialAndSend(t, plain, addr, "push-pull state")
	require.Equal(t, "push-pull state", recv(t, server.msgs))
}

func TestPeerWithCertificateFromAnotherCAIsRefused(t *testing.T) {
	p, other := tlstest.NewCA(t), tlstest.NewCA(t)
	core, logs := observer.New(zap.WarnLevel)
	srv := startTLSEnv(t, rpcTLS(t, p, tlsutil.KindServer), zap.New(core))
	stranger := rpcTLS(t, other, tlsutil.KindServer)
	stranger.Client.VerifyConnection = nil // trust the server, so only the server's check is tested
	cli := startTLSEnv(t, stranger, nil)
	addr, _ := listen(t, srv)
	client := dialAndSend(t, cli, addr, "\x02", "call")
	refusedWithLog(t, client, logs, "TLS handshake failed")
	entry := logs.FilterMessageSnippet("TLS handshake failed").All()[0]
	require.Contains(t, entry.ContextMap()["error"], "certificate")
}

func TestClientCertificateMayNotSpeakRaft(t *testing.T) {
	p := tlstest.NewCA(t)
	core, logs := observer.New(zap.WarnLevel)
	srv := startTLSEnv(t, rpcTLS(t, p, tlsutil.KindServer), zap.New(core))
	cli := startTLSEnv(t, rpcTLS(t, p, tlsutil.KindClient), nil)
	addr, server := listen(t, srv)
	client := dialAndSend(t, cli, addr, "\x01", "append")
	refusedWithLog(t, client, logs, "does not name a server")

	// The same client certificate may speak RPC.
	dialAndSend(t, cli, addr, "\x02", "call")
	require.Equal(t, "\x02", recv(t, server.msgs))
}

func TestServerWithoutCertificateForTLSRefusesHandshake(t *testing.T) {
	p := tlstest.NewCA(t)
	core, logs := observer.New(zap.WarnLevel)
	srv := startTLSEnv(t, &TLS{Classify: classify}, zap.New(core))
	cli := startTLSEnv(t, rpcTLS(t, p, tlsutil.KindServer), nil)
	addr, _ := listen(t, srv)
	client := dialAndSend(t, cli, addr, "\x02")
	refusedWithLog(t, client, logs, "no certificate is configured")
}

func TestTLSServerConfigIsUsedForTLSConnections(t *testing.T) {
	p := tlstest.NewCA(t)
	settings := rpcTLS(t, p, tlsutil.KindServer)
	srv := startTLSEnv(t, settings, nil)
	addr, _ := listen(t, srv)
	conn, err := tls.Dial("tcp", addr, settings.Client)
	require.NoError(t, err)
	require.True(t, conn.ConnectionState().HandshakeComplete)
	require.NoError(t, conn.Close())
}
