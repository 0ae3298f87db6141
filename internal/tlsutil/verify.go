package tlsutil

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"strings"
)

// ErrNotServer is reported when a peer that must be a server presents a
// certificate that does not name server.<dc>.<domain>.
var ErrNotServer = errors.New("tlsutil: the certificate does not name a server")

// verifyServer is the RPC client's check of a server's certificate: it
// must chain to the CA for server authentication and, with
// verify_server_hostname, name a server of this domain.
//
// The dial does not say which datacenter the server belongs to (a request
// forwarded across the WAN dials a server of another one), so the name
// check accepts server.<any datacenter>.<domain>. That is what keeps a
// client certificate, which names client.<dc>.<domain>, from acting as a
// server.
func (c *Configurator) verifyServer(cs tls.ConnectionState) error {
	leaf, err := verifyChain(cs, c.rpc.pool, x509.ExtKeyUsageServerAuth)
	if err != nil {
		return err
	}
	if c.rpc.p.VerifyServerHostname && !namesServer(leaf, "", c.cfg.Domain) {
		return fmt.Errorf("%w: want server.<datacenter>.%s, got %s", ErrNotServer, c.cfg.Domain, describeNames(leaf))
	}
	return nil
}

// IsLocalServer reports whether a connection's verified peer certificate
// names a server of this agent's datacenter, server.<dc>.<domain>. The
// server port asks it before letting a peer speak Raft when
// verify_server_hostname is on.
func (c *Configurator) IsLocalServer(cs tls.ConnectionState) bool {
	if len(cs.VerifiedChains) == 0 || len(cs.VerifiedChains[0]) == 0 {
		return false
	}
	return namesServer(cs.VerifiedChains[0][0], c.cfg.Datacenter, c.cfg.Domain)
}

// RPCVerifyServerHostname reports whether verify_server_hostname is on for
// the server port.
func (c *Configurator) RPCVerifyServerHostname() bool { return c.rpc.p.VerifyServerHostname }

// verifyChain checks the peer's chain against pool for usage and returns
// the leaf.
func verifyChain(cs tls.ConnectionState, pool *x509.CertPool, usage x509.ExtKeyUsage) (*x509.Certificate, error) {
	if len(cs.PeerCertificates) == 0 {
		return nil, errors.New("tlsutil: the peer presented no certificate")
	}
	leaf := cs.PeerCertificates[0]
	inter := x509.NewCertPool()
	for _, c := range cs.PeerCertificates[1:] {
		inter.AddCert(c)
	}
	_, err := leaf.Verify(x509.VerifyOptions{Roots: pool, Intermediates: inter, KeyUsages: []x509.ExtKeyUsage{usage}})
	if err != nil {
		return nil, fmt.Errorf("tlsutil: verify peer certificate: %w", err)
	}
	return leaf, nil
}

// namesServer reports whether leaf carries the DNS name server.<dc>.<domain>;
// dc "" accepts any single-label datacenter.
func namesServer(leaf *x509.Certificate, dc, domain string) bool {
	for _, name := range leaf.DNSNames {
		if dc != "" {
			if name == ServerName(dc, domain) {
				return true
			}
			continue
		}
		rest, ok := strings.CutPrefix(name, "server.")
		if !ok {
			continue
		}
		got, ok := strings.CutSuffix(rest, "."+domain)
		if ok && got != "" && !strings.Contains(got, ".") {
			return true
		}
	}
	return false
}

// describeNames lists a certificate's DNS names for an error message.
func describeNames(leaf *x509.Certificate) string {
	if len(leaf.DNSNames) == 0 {
		return "no DNS names"
	}
	return strings.Join(leaf.DNSNames, ", ")
}
