package tlsutil

import (
	"crypto/tls"
	"errors"
	"fmt"
)

// ErrInvalid is matched (errors.Is) by every error New reports about its
// settings or the files they name.
var ErrInvalid = errors.New("tlsutil: invalid TLS settings")

// DefaultDomain is the domain server names end in when none is given.
const DefaultDomain = "consul"

// Protocol is the TLS settings of one listener and the connections made
// to its kind of peer, after tls.defaults has been merged in.
type Protocol struct {
	// CAFile is a PEM file of CA certificates peers are checked against.
	CAFile string
	// CAPath is a directory of PEM files of CA certificates, added to CAFile's.
	CAPath string
	// CertFile and KeyFile are this agent's certificate and its private key.
	CertFile string
	KeyFile  string
	// VerifyIncoming asks every peer that connects for a certificate signed
	// by the CA and refuses those without one.
	VerifyIncoming bool
	// VerifyOutgoing makes connections to peers speak TLS and check the
	// peer's certificate against the CA.
	VerifyOutgoing bool
	// VerifyServerHostname (internal RPC only) requires a server's
	// certificate to name server.<datacenter>.<domain>.
	VerifyServerHostname bool
	// MinVersion is the lowest TLS version accepted: tls.VersionTLS12
	// (the default, when 0) or tls.VersionTLS13.
	MinVersion uint16
}

// Config is an agent's TLS settings for its two kinds of listener.
type Config struct {
	// HTTPS is for the HTTPS API (ports.https).
	HTTPS Protocol
	// InternalRPC is for RPC and Raft on the server port (ports.server).
	InternalRPC Protocol
	// Datacenter and Domain make the server name, server.<dc>.<domain>;
	// Domain defaults to DefaultDomain and has no trailing dot.
	Datacenter string
	Domain     string
}

// ServerName is the name a server certificate of datacenter dc carries.
func ServerName(dc, domain string) string {
	if domain == "" {
		domain = DefaultDomain
	}
	return "server." + dc + "." + domain
}

// ParseVersion maps Consul's names of TLS versions ("TLSv1_2", "TLSv1_3")
// to crypto/tls's constants.
func ParseVersion(s string) (uint16, error) {
	switch s {
	case "TLSv1_2":
		return tls.VersionTLS12, nil
	case "TLSv1_3":
		return tls.VersionTLS13, nil
	}
	return 0, fmt.Errorf("%w: tls_min_version must be TLSv1_2 or TLSv1_3, got %q", ErrInvalid, s)
}

// Enabled reports whether p names any file or asks for any check.
func (p Protocol) Enabled() bool {
	return p.CAFile != "" || p.CAPath != "" || p.CertFile != "" || p.KeyFile != "" ||
		p.VerifyIncoming || p.VerifyOutgoing || p.VerifyServerHostname
}

// check reports settings that cannot work together, naming the listener.
func (p Protocol) check(name string) error {
	switch {
	case (p.CertFile == "") != (p.KeyFile == ""):
		return fmt.Errorf("%w: %s: cert_file and key_file must be set together", ErrInvalid, name)
	case p.VerifyIncoming && p.CertFile == "":
		return fmt.Errorf("%w: %s: verify_incoming needs cert_file and key_file", ErrInvalid, name)
	case p.VerifyIncoming && p.CAFile == "" && p.CAPath == "":
		return fmt.Errorf("%w: %s: verify_incoming needs ca_file or ca_path", ErrInvalid, name)
	case (p.VerifyOutgoing || p.VerifyServerHostname) && p.CAFile == "" && p.CAPath == "":
		return fmt.Errorf("%w: %s: verify_outgoing needs ca_file or ca_path", ErrInvalid, name)
	case p.MinVersion != 0 && p.MinVersion != tls.VersionTLS12 && p.MinVersion != tls.VersionTLS13:
		return fmt.Errorf("%w: %s: tls_min_version must be TLSv1_2 or TLSv1_3", ErrInvalid, name)
	}
	return nil
}

func (p Protocol) minVersion() uint16 {
	if p.MinVersion == 0 {
		return tls.VersionTLS12
	}
	return p.MinVersion
}
