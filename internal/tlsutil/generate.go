package tlsutil

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net"
	"time"
)

// Default lifetimes, as Consul's `tls ca create` and `tls cert create`.
const (
	DefaultCADays   = 1825
	DefaultCertDays = 365
)

// Kind is the role a certificate is made for.
type Kind int

// The kinds of certificate `cairn tls cert create` makes.
const (
	// KindServer names server.<dc>.<domain>, localhost and 127.0.0.1 and
	// serves both ends of a TLS connection.
	KindServer Kind = iota + 1
	// KindClient names client.<dc>.<domain> for client agents.
	KindClient
	// KindCLI names cli.<dc>.<domain> for the command line; it can only
	// authenticate a client.
	KindCLI
)

// String is the kind's word in file names: server, client or cli.
func (k Kind) String() string {
	switch k {
	case KindServer:
		return "server"
	case KindClient:
		return "client"
	case KindCLI:
		return "cli"
	}
	return fmt.Sprintf("Kind(%d)", int(k))
}

// CAOptions describe a certificate authority to create.
type CAOptions struct {
	// Domain is named in the CA's common name; default DefaultDomain.
	Domain string
	// Days is the CA's lifetime; default DefaultCADays.
	Days int
	// Now is the start of the validity; zero means the current time.
	Now time.Time
	// Entropy is the source of keys and serial numbers; nil is crypto/rand.
	Entropy io.Reader
}

// CertOptions describe a certificate to create and sign.
type CertOptions struct {
	Kind Kind
	// Datacenter and Domain make the names; Domain defaults to DefaultDomain.
	Datacenter string
	Domain     string
	// Days is the certificate's lifetime; default DefaultCertDays.
	Days int
	// DNSNames and IPAddresses are added to the kind's own names.
	DNSNames    []string
	IPAddresses []net.IP
	// CACert and CAKey are the signing CA, both PEM.
	CACert []byte
	CAKey  []byte
	// Now and Entropy are as in CAOptions.
	Now     time.Time
	Entropy io.Reader
}

// GenerateCA makes a self-signed CA with an ECDSA P-256 key and returns
// the certificate and the key, PEM encoded.
func GenerateCA(opts CAOptions) (certPEM, keyPEM []byte, err error) {
	entropy, now := sources(opts.Entropy, opts.Now)
	domain := orDefault(opts.Domain, DefaultDomain)
	key, err := ecdsa.GenerateKey(elliptic.P256(), entropy)
	if err != nil {
		return nil, nil, fmt.Errorf("tlsutil: generate CA key: %w", err)
	}
	serial, err := serialNumber(entropy)
	if err != nil {
		return nil, nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: fmt.Sprintf("Cairn Agent CA %s (%s)", fmt.Sprintf("%032x", serial)[:8], domain)},
		NotBefore:             now.Add(-time.Minute),
		NotAfter:              now.AddDate(0, 0, orDefaultInt(opts.Days, DefaultCADays)),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature,
	}
	der, err := x509.CreateCertificate(entropy, tmpl, tmpl, key.Public(), key)
	if err != nil {
		return nil, nil, fmt.Errorf("tlsutil: sign CA: %w", err)
	}
	return encode(der, key)
}

// GenerateCert makes a certificate of opts.Kind signed by the CA and
// returns it and its new ECDSA P-256 key, PEM encoded.
func GenerateCert(opts CertOptions) (certPEM, keyPEM []byte, err error) {
	if opts.Datacenter == "" {
		return nil, nil, errors.New("tlsutil: a certificate needs a datacenter")
	}
	ca, caKey, err := ParseCA(opts.CACert, opts.CAKey)
	if err != nil {
		return nil, nil, err
	}
	entropy, now := sources(opts.Entropy, opts.Now)
	tmpl, err := certTemplate(opts, entropy, now)
	if err != nil {
		return nil, nil, err
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), entropy)
	if err != nil {
		return nil, nil, fmt.Errorf("tlsutil: generate key: %w", err)
	}
	der, err := x509.CreateCertificate(entropy, tmpl, ca, key.Public(), caKey)
	if err != nil {
		return nil, nil, fmt.Errorf("tlsutil: sign certificate: %w", err)
	}
	return encode(der, key)
}

// certTemplate is the unsigned certificate of opts.Kind: its names, as
// Consul gives them, and its uses.
func certTemplate(opts CertOptions, entropy io.Reader, now time.Time) (*x509.Certificate, error) {
	if opts.Kind < KindServer || opts.Kind > KindCLI {
		return nil, fmt.Errorf("tlsutil: unknown certificate kind %d", int(opts.Kind))
	}
	serial, err := serialNumber(entropy)
	if err != nil {
		return nil, err
	}
	name := opts.Kind.String() + "." + opts.Datacenter + "." + orDefault(opts.Domain, DefaultDomain)
	usage := []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth}
	if opts.Kind == KindCLI {
		usage = []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}
	}
	return &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: name},
		DNSNames:              append([]string{name, "localhost"}, opts.DNSNames...),
		IPAddresses:           append([]net.IP{net.IPv4(127, 0, 0, 1)}, opts.IPAddresses...),
		NotBefore:             now.Add(-time.Minute),
		NotAfter:              now.AddDate(0, 0, orDefaultInt(opts.Days, DefaultCertDays)),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
		ExtKeyUsage:           usage,
		BasicConstraintsValid: true,
	}, nil
}

// ParseCA decodes a CA certificate and its private key from PEM and checks
// that they belong together and that the certificate is a CA.
func ParseCA(certPEM, keyPEM []byte) (*x509.Certificate, crypto.Signer, error) {
	block, _ := pem.Decode(certPEM)
	if block == nil || block.Type != "CERTIFICATE" {
		return nil, nil, errors.New("tlsutil: the CA file holds no PEM certificate")
	}
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		return nil, nil, fmt.Errorf("tlsutil: parse CA certificate: %w", err)
	}
	if !cert.IsCA {
		return nil, nil, errors.New("tlsutil: the CA certificate is not a CA")
	}
	key, err := parseKey(keyPEM)
	if err != nil {
		return nil, nil, err
	}
	pub, ok := key.Public().(interface{ Equal(crypto.PublicKey) bool })
	if !ok || !pub.Equal(cert.PublicKey) {
		return nil, nil, errors.New("tlsutil: the CA key does not match the CA certificate")
	}
	return cert, key, nil
}

// parseKey decodes a PEM private key in SEC 1 ("EC PRIVATE KEY") or
// PKCS #8 form.
func parseKey(keyPEM []byte) (crypto.Signer, error) {
	block, _ := pem.Decode(keyPEM)
	if block == nil {
		return nil, errors.New("tlsutil: the key file holds no PEM block")
	}
	if k, err := x509.ParseECPrivateKey(block.Bytes); err == nil {
		return k, nil
	}
	k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, errors.New("tlsutil: the key file holds no EC or PKCS #8 private key")
	}
	signer, ok := k.(crypto.Signer)
	if !ok {
		return nil, errors.New("tlsutil: the private key cannot sign")
	}
	return signer, nil
}

func encode(der []byte, key *ecdsa.PrivateKey) (certPEM, keyPEM []byte, err error) {
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return nil, nil, fmt.Errorf("tlsutil: encode key: %w", err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}), nil
}

// serialNumber draws a random 128-bit serial number.
func serialNumber(entropy io.Reader) (*big.Int, error) {
	n, err := rand.Int(entropy, new(big.Int).Lsh(big.NewInt(1), 128))
	if err != nil {
		return nil, fmt.Errorf("tlsutil: draw serial number: %w", err)
	}
	return n.Add(n, big.NewInt(1)), nil
}

func sources(entropy io.Reader, now time.Time) (io.Reader, time.Time) {
	if entropy == nil {
		entropy = rand.Reader
	}
	if now.IsZero() {
		now = time.Now()
	}
	return entropy, now
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

func orDefaultInt(n, def int) int {
	if n <= 0 {
		return def
	}
	return n
}
