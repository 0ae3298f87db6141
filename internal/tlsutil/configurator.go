package tlsutil

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Configurator holds an agent's checked TLS settings with their files
// loaded, and hands out the *tls.Config for each use. It is immutable and
// safe for concurrent use.
type Configurator struct {
	cfg   Config
	https side
	rpc   side
}

// side is one listener's settings with the files they name loaded.
type side struct {
	p    Protocol
	cert *tls.Certificate
	pool *x509.CertPool
}

// New checks cfg and loads the files it names. Every error matches
// ErrInvalid and is one line naming the listener and the file.
func New(cfg Config) (*Configurator, error) {
	if cfg.Domain == "" {
		cfg.Domain = DefaultDomain
	}
	cfg.Domain = strings.TrimSuffix(cfg.Domain, ".")
	c := &Configurator{cfg: cfg}
	var err error
	if c.https, err = load("https", cfg.HTTPS); err != nil {
		return nil, err
	}
	if c.rpc, err = load("internal_rpc", cfg.InternalRPC); err != nil {
		return nil, err
	}
	return c, nil
}

func load(name string, p Protocol) (side, error) {
	s := side{p: p}
	if err := p.check(name); err != nil {
		return s, err
	}
	if p.CertFile != "" {
		certPEM, err := os.ReadFile(p.CertFile)
		if err != nil {
			return s, fmt.Errorf("%w: %s: read cert_file: %v", ErrInvalid, name, err)
		}
		keyPEM, err := os.ReadFile(p.KeyFile)
		if err != nil {
			return s, fmt.Errorf("%w: %s: read key_file: %v", ErrInvalid, name, err)
		}
		cert, err := tls.X509KeyPair(certPEM, keyPEM)
		if err != nil {
			return s, fmt.Errorf("%w: %s: cert_file %s with key_file %s: %v", ErrInvalid, name, p.CertFile, p.KeyFile, err)
		}
		s.cert = &cert
	}
	if p.CAFile != "" || p.CAPath != "" {
		pool, err := LoadCAPool(p.CAFile, p.CAPath)
		if err != nil {
			return s, fmt.Errorf("%w: %s: %v", ErrInvalid, name, err)
		}
		s.pool = pool
	}
	return s, nil
}

// LoadCAPool reads the CA certificates of caFile and of every file in
// caPath (either may be empty).
func LoadCAPool(caFile, caPath string) (*x509.CertPool, error) {
	pool := x509.NewCertPool()
	var files []string
	if caFile != "" {
		files = append(files, caFile)
	}
	if caPath != "" {
		entries, err := os.ReadDir(caPath)
		if err != nil {
			return nil, fmt.Errorf("read ca_path: %v", err)
		}
		for _, e := range entries {
			if !e.IsDir() {
				files = append(files, filepath.Join(caPath, e.Name()))
			}
		}
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return nil, fmt.Errorf("read CA file: %v", err)
		}
		if !pool.AppendCertsFromPEM(b) {
			return nil, fmt.Errorf("CA file %s holds no PEM certificate", f)
		}
	}
	return pool, nil
}

// Settings returns the configuration New was given, with Domain filled in.
func (c *Configurator) Settings() Config { return c.cfg }

// HTTPSServer is the configuration of the HTTPS listener, or nil when no
// certificate is configured for it. With verify_incoming, a client must
// present a certificate signed by the CA.
func (c *Configurator) HTTPSServer() *tls.Config {
	cfg := c.https.server()
	if cfg != nil {
		cfg.NextProtos = []string{"http/1.1"}
	}
	return cfg
}

// RPCServer is the configuration of TLS connections accepted on the server
// port, or nil when no certificate is configured for it.
func (c *Configurator) RPCServer() *tls.Config { return c.rpc.server() }

// RPCVerifyIncoming reports whether the server port refuses a peer that
// does not present a certificate signed by the CA, plain-text ones included.
func (c *Configurator) RPCVerifyIncoming() bool { return c.rpc.p.VerifyIncoming }

// RPCClient is the configuration for connections this agent dials to
// servers' ports, or nil when verify_outgoing is off (they stay plain).
// The agent's certificate, when it has one, is presented as its client
// certificate. The server's certificate must chain to the CA, and with
// verify_server_hostname it must name server.<dc>.<domain>.
func (c *Configurator) RPCClient() *tls.Config {
	p := c.rpc.p
	if !p.VerifyOutgoing && !p.VerifyServerHostname {
		return nil
	}
	cfg := &tls.Config{
		MinVersion: p.minVersion(),
		RootCAs:    c.rpc.pool,
		ServerName: ServerName(c.cfg.Datacenter, c.cfg.Domain),
		// The chain is checked by VerifyConnection instead: servers are
		// dialled by IP address, which their certificates need not name.
		InsecureSkipVerify: true,
		VerifyConnection:   c.verifyServer,
	}
	if c.rpc.cert != nil {
		cfg.Certificates = []tls.Certificate{*c.rpc.cert}
	}
	return cfg
}

// server builds a listener's configuration from one side's settings.
func (s side) server() *tls.Config {
	if s.cert == nil {
		return nil
	}
	cfg := &tls.Config{
		MinVersion:   s.p.minVersion(),
		Certificates: []tls.Certificate{*s.cert},
		ClientCAs:    s.pool,
		ClientAuth:   tls.NoClientCert,
	}
	switch {
	case s.p.VerifyIncoming:
		cfg.ClientAuth = tls.RequireAndVerifyClientCert
	case s.pool != nil:
		cfg.ClientAuth = tls.VerifyClientCertIfGiven
	}
	return cfg
}
