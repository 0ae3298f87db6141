package runtime

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"testing"
	"time"

	"github.com/hashicorp/consul/api"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"github.com/cairn-sd/cairn/agent/config"
	"github.com/cairn-sd/cairn/agent/rpc"
	"github.com/cairn-sd/cairn/internal/tlsutil"
	"github.com/cairn-sd/cairn/internal/tlsutil/tlstest"
)

// tlsStanza is the "tls" key with every check on for one agent's files.
func tlsStanza(caFile, certFile, keyFile string) string {
	b, err := json.Marshal(map[string]any{
		"defaults": map[string]any{"ca_file": caFile, "cert_file": certFile, "key_file": keyFile,
			"verify_incoming": true, "verify_outgoing": true},
		"internal_rpc": map[string]any{"verify_server_hostname": true},
	})
	if err != nil {
		panic(err)
	}
	return string(b)
}

// startLoggedAgent starts an agent from a JSON document with its logs
// kept in an observer, and shuts it down when the test ends.
func startLoggedAgent(t *testing.T, doc string) (*Agent, *observer.ObservedLogs) {
	t.Helper()
	cfg, err := config.Parse("agent.json", []byte(doc), config.Options{
		Hostname:       func() (string, error) { return "host", nil },
		InterfaceAddrs: func() ([]netip.Addr, error) { return []netip.Addr{netip.MustParseAddr("127.0.0.1")}, nil },
	})
	require.NoError(t, err)
	core, logs := observer.New(zap.InfoLevel)
	a, err := New(cfg, Options{Version: "test", Logger: zap.New(core)})
	require.NoError(t, err)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), testWait)
		defer cancel()
		require.NoError(t, a.Shutdown(ctx))
	})
	return a, logs
}

// startTLSServers starts three servers, each with its own server
// certificate, with verify_incoming, verify_outgoing and
// verify_server_hostname on the server port and HTTPS on, and waits for
// a leader.
func startTLSServers(t *testing.T, ca *tlstest.CA) ([]*Agent, []*observer.ObservedLogs) {
	t.Helper()
	var logs []*observer.ObservedLogs
	servers := joinServers(t, 3, func(i int, retry string) *Agent {
		certFile, keyFile := ca.Issue(tlsutil.KindServer, "dc1")
		doc := fmt.Sprintf(`{"node_name": "s%d", "server": true, "bootstrap_expect": 3, "data_dir": %q,
			"bind_addr": "127.0.0.1", "client_addr": "127.0.0.1", %s
			"ports": {"http": 0, "https": 0, "server": 0, "serf_lan": 0, "serf_wan": 0, "dns": 0},
			"tls": %s}`, i, t.TempDir(), retry, tlsStanza(ca.CertFile, certFile, keyFile))
		a, l := startLoggedAgent(t, doc)
		logs = append(logs, l)
		return a
	})
	require.Eventually(t, func() bool { return leaderOf(servers) >= 0 }, 3*testWait, 50*time.Millisecond,
		"the servers never elected a leader over TLS")
	return servers, logs
}

// httpsClient is an official client for a's HTTPS API with the CA and,
// when certFile is set, a client certificate.
func httpsClient(t *testing.T, a *Agent, caFile, certFile, keyFile string) *api.Client {
	t.Helper()
	c, err := api.NewClient(&api.Config{Address: a.HTTPSAddr(), Scheme: "https",
		TLSConfig: api.TLSConfig{CAFile: caFile, CertFile: certFile, KeyFile: keyFile}})
	require.NoError(t, err)
	return c
}

// speak opens a connection to addr (in TLS when cfg is set), sends the
// one-byte protocol preamble as a stream message and reports how the
// server answered: a read error other than a timeout means it closed the
// connection.
func speak(t *testing.T, addr string, cfg *tls.Config, proto byte) error {
	t.Helper()
	var conn net.Conn
	var err error
	if cfg != nil {
		conn, err = tls.Dial("tcp", addr, cfg)
		if err != nil {
			return err
		}
	} else {
		conn, err = net.Dial("tcp", addr)
		require.NoError(t, err)
	}
	defer conn.Close()
	require.NoError(t, conn.SetDeadline(time.Now().Add(testWait)))
	if _, err := conn.Write([]byte{0, 0, 0, 1, proto}); err != nil {
		return err
	}
	_, err = io.ReadFull(conn, make([]byte, 1))
	var ne net.Error
	require.False(t, errors.As(err, &ne) && ne.Timeout(), "the server neither answered nor closed the connection")
	return err
}

// loggedOn reports whether any of the servers logged a message containing want.
func loggedOn(logs []*observer.ObservedLogs, want string) bool {
	for _, l := range logs {
		if l.FilterMessageSnippet(want).Len() > 0 {
			return true
		}
	}
	return false
}

func TestTLSClusterRunsTheWalkthroughOverHTTPSAndRefusesStrangers(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a three-server cluster")
	}
	ca := tlstest.NewCA(t)
	servers, logs := startTLSServers(t, ca)
	cliCert, cliKey := ca.Issue(tlsutil.KindCLI, "dc1")

	t.Run("walkthrough over HTTPS", func(t *testing.T) {
		bound, err := ReadBoundAddresses(servers[0].DataDir())
		require.NoError(t, err)
		require.Equal(t, servers[0].HTTPSAddr(), bound.HTTPS)
		require.NotEqual(t, bound.HTTP, bound.HTTPS)
		c := httpsClient(t, servers[0], ca.CertFile, cliCert, cliKey)
		require.Eventually(t, func() bool {
			members, err := c.Agent().Members(false)
			return err == nil && len(members) == 3
		}, testWait, 50*time.Millisecond, "members never listed three servers")
		_, err = c.KV().Put(kvPair("app/config", "v1"), nil)
		require.NoError(t, err)
		other := httpsClient(t, servers[2], ca.CertFile, cliCert, cliKey)
		pair, _, err := other.KV().Get("app/config", &api.QueryOptions{RequireConsistent: true})
		require.NoError(t, err)
		require.NotNil(t, pair)
		require.Equal(t, "v1", string(pair.Value))
		require.NoError(t, c.Agent().ServiceRegister(&api.AgentServiceRegistration{Name: "web", Port: 8080}))
		require.Eventually(t, func() bool {
			entries, _, err := other.Health().Service("web", "", false, nil)
			return err == nil && len(entries) == 1 && entries[0].Service.Port == 8080
		}, testWait, 50*time.Millisecond, "the registered service never showed in health")
	})

	t.Run("HTTPS without a client certificate is refused", func(t *testing.T) {
		c := httpsClient(t, servers[0], ca.CertFile, "", "")
		_, _, err := c.KV().Get("app/config", nil)
		require.Error(t, err)
		require.Contains(t, err.Error(), "certificate")
	})

	t.Run("plain RPC is refused", func(t *testing.T) {
		err := speak(t, servers[0].ServerAddr(), nil, rpc.ProtoRPC)
		require.Error(t, err)
		require.Eventually(t, func() bool { return loggedOn(logs, "verify_incoming requires TLS") }, testWait, 10*time.Millisecond)
	})

	t.Run("a peer with a certificate from another CA is refused", func(t *testing.T) {
		stranger := tlstest.NewCA(t)
		certFile, keyFile := stranger.Issue(tlsutil.KindServer, "dc1")
		cert, err := tls.LoadX509KeyPair(certFile, keyFile)
		require.NoError(t, err)
		// The stranger trusts any server, so only the server's check is tested.
		cfg := &tls.Config{Certificates: []tls.Certificate{cert}, InsecureSkipVerify: true}
		for _, proto := range []byte{rpc.ProtoRPC, rpc.ProtoRaft} {
			require.Error(t, speak(t, servers[1].ServerAddr(), cfg, proto))
		}
		require.Eventually(t, func() bool { return loggedOn(logs, "TLS handshake failed") }, testWait, 10*time.Millisecond)
	})

	t.Run("a client certificate may speak RPC but not Raft", func(t *testing.T) {
		certFile, keyFile := ca.Issue(tlsutil.KindClient, "dc1")
		cert, err := tls.LoadX509KeyPair(certFile, keyFile)
		require.NoError(t, err)
		cfg := &tls.Config{Certificates: []tls.Certificate{cert}, InsecureSkipVerify: true}
		require.Error(t, speak(t, servers[2].ServerAddr(), cfg, rpc.ProtoRaft))
		require.Eventually(t, func() bool { return loggedOn(logs, "does not name a server") }, testWait, 10*time.Millisecond)

		conn, err := tls.Dial("tcp", servers[2].ServerAddr(), cfg)
		require.NoError(t, err)
		defer conn.Close()
		_, err = conn.Write([]byte{0, 0, 0, 1, rpc.ProtoRPC})
		require.NoError(t, err)
		require.NoError(t, conn.SetReadDeadline(time.Now().Add(500*time.Millisecond)))
		_, err = conn.Read(make([]byte, 1))
		var ne net.Error
		require.True(t, errors.As(err, &ne) && ne.Timeout(), "an RPC stream with a client certificate was closed: %v", err)
	})

	t.Run("a server with a certificate from another CA never receives the log", func(t *testing.T) {
		stranger := tlstest.NewCA(t)
		certFile, keyFile := stranger.Issue(tlsutil.KindServer, "dc1")
		var join string
		servers[0].env.Do(func() { join = servers[0].member.GossipAddr() })
		doc := fmt.Sprintf(`{"node_name": "impostor", "server": true, "bootstrap_expect": 3, "data_dir": %q,
			"bind_addr": "127.0.0.1", "client_addr": "127.0.0.1", "retry_join": [%q],
			"ports": {"http": 0, "server": 0, "serf_lan": 0, "serf_wan": 0, "dns": 0},
			"tls": %s}`, t.TempDir(), join, tlsStanza(stranger.CertFile, certFile, keyFile))
		impostor, _ := startLoggedAgent(t, doc)
		c := apiClient(t, impostor, "")
		require.Eventually(t, func() bool {
			members, err := c.Agent().Members(false)
			return err == nil && len(members) >= 4
		}, testWait, 50*time.Millisecond, "the impostor never joined the gossip pool")

		// A write committed by the real servers after the impostor joined
		// reaches all three of them but never the impostor.
		trusted := httpsClient(t, servers[0], ca.CertFile, cliCert, cliKey)
		_, err := trusted.KV().Put(kvPair("after/impostor", "x"), nil)
		require.NoError(t, err)
		for _, a := range servers {
			require.Eventually(t, func() bool {
				_, pair := a.server.Catalog().KVGet(nil, "after/impostor")
				return pair != nil
			}, testWait, 10*time.Millisecond, "a real server never applied the write")
		}
		require.Never(t, func() bool {
			_, pair := impostor.server.Catalog().KVGet(nil, "after/impostor")
			return pair != nil
		}, 2*time.Second, 50*time.Millisecond, "the impostor received the replicated log")
		require.Eventually(t, func() bool { return loggedOn(logs, "TLS handshake") }, testWait, 10*time.Millisecond)
	})

	t.Run("a client agent needs a certificate from the CA to reach the servers", func(t *testing.T) {
		var join string
		servers[0].env.Do(func() { join = servers[0].member.GossipAddr() })
		trusted := startTLSClient(t, "trusted", join, ca)
		pair, _, err := apiClient(t, trusted, "").KV().Get("app/config", nil)
		require.NoError(t, err, "a client agent with a certificate from the CA could not read the KV store")
		require.NotNil(t, pair)

		rogue := startTLSClient(t, "rogue", join, tlstest.NewCA(t))
		_, _, err = apiClient(t, rogue, "").KV().Get("app/config", nil)
		require.Error(t, err, "an agent whose certificate the servers do not trust read the KV store")
	})
}

// startTLSClient starts a client agent named name with a client
// certificate from p, joined to the pool at join, and waits until it
// sees the three servers and itself.
func startTLSClient(t *testing.T, name, join string, ca *tlstest.CA) *Agent {
	t.Helper()
	certFile, keyFile := ca.Issue(tlsutil.KindClient, "dc1")
	doc := fmt.Sprintf(`{"node_name": %q, "data_dir": %q, "bind_addr": "127.0.0.1", "client_addr": "127.0.0.1",
		"retry_join": [%q], "performance": {"rpc_hold_timeout": "1s"},
		"ports": {"http": 0, "server": 0, "serf_lan": 0, "serf_wan": 0, "dns": 0},
		"tls": %s}`, name, t.TempDir(), join, tlsStanza(ca.CertFile, certFile, keyFile))
	a, _ := startLoggedAgent(t, doc)
	c := apiClient(t, a, "")
	require.Eventually(t, func() bool {
		members, err := c.Agent().Members(false)
		return err == nil && len(members) >= 4
	}, testWait, 50*time.Millisecond, "client agent %s never joined the gossip pool", name)
	return a
}
