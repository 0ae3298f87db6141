package main

import (
	"crypto/tls"
	"flag"
	"fmt"
	"strings"

	"github.com/cairn-sd/cairn/internal/tlsutil"
)

// tlsFlags are the HTTPS flags of every client command, as Consul's CLI
// has them; each falls back to its environment variable (tlsEnv).
type tlsFlags struct {
	caFile, caPath, clientCert, clientKey, serverName string
}

func (t *tlsFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&t.caFile, "ca-file", "", "CA file to verify the agent's HTTPS certificate; default CAIRN_CACERT or CONSUL_CACERT")
	fs.StringVar(&t.caPath, "ca-path", "", "Directory of CA files; default CAIRN_CAPATH or CONSUL_CAPATH")
	fs.StringVar(&t.clientCert, "client-cert", "", "Client certificate for HTTPS (verify_incoming); default CAIRN_CLIENT_CERT or CONSUL_CLIENT_CERT")
	fs.StringVar(&t.clientKey, "client-key", "", "Key of -client-cert; default CAIRN_CLIENT_KEY or CONSUL_CLIENT_KEY")
	fs.StringVar(&t.serverName, "tls-server-name", "", "Name the agent's certificate must carry; default CAIRN_TLS_SERVER_NAME or CONSUL_TLS_SERVER_NAME")
}

// resolve fills the flags left empty from the environment.
func (t tlsFlags) resolve(getenv func(string) string) tlsFlags {
	fill := func(v *string, name string) {
		if *v == "" {
			*v = tlsEnv(getenv, name)
		}
	}
	fill(&t.caFile, "CACERT")
	fill(&t.caPath, "CAPATH")
	fill(&t.clientCert, "CLIENT_CERT")
	fill(&t.clientKey, "CLIENT_KEY")
	fill(&t.serverName, "TLS_SERVER_NAME")
	return t
}

// any reports whether a TLS setting was given.
func (t tlsFlags) any() bool {
	return t.caFile != "" || t.caPath != "" || t.clientCert != "" || t.clientKey != ""
}

// config builds the HTTPS client configuration: the CA files (the system
// pool when none), the client certificate, the server name, and the
// verify switch.
func (t tlsFlags) config(verify bool) (*tls.Config, error) {
	cfg := &tls.Config{MinVersion: tls.VersionTLS12, ServerName: t.serverName, InsecureSkipVerify: !verify}
	if t.caFile != "" || t.caPath != "" {
		pool, err := tlsutil.LoadCAPool(t.caFile, t.caPath)
		if err != nil {
			return nil, fmt.Errorf("HTTPS setup: %w", err)
		}
		cfg.RootCAs = pool
	}
	if (t.clientCert == "") != (t.clientKey == "") {
		return nil, fmt.Errorf("HTTPS setup: -client-cert and -client-key must be given together")
	}
	if t.clientCert != "" {
		cert, err := tls.LoadX509KeyPair(t.clientCert, t.clientKey)
		if err != nil {
			return nil, fmt.Errorf("HTTPS setup: client certificate: %w", err)
		}
		cfg.Certificates = []tls.Certificate{cert}
	}
	return cfg, nil
}

// withScheme gives an address without a scheme https:// when ssl is set.
func withScheme(addr string, ssl bool) string {
	if ssl && !strings.Contains(addr, "://") {
		return "https://" + addr
	}
	return addr
}
