// Package tlstest makes certificate files for tests: a CA in a temporary
// directory that issues server, client and CLI certificates signed by it.
package tlstest

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/cairn-sd/cairn/internal/tlsutil"
)

// CA is a certificate authority whose files live in a test's temporary
// directory.
type CA struct {
	t      testing.TB
	dir    string
	issued int
	// CertPEM and KeyPEM are the CA's certificate and key.
	CertPEM, KeyPEM []byte
	// CertFile is the CA certificate's file, for ca_file.
	CertFile string
}

// NewCA makes a CA with the default domain.
func NewCA(t testing.TB) *CA {
	t.Helper()
	certPEM, keyPEM, err := tlsutil.GenerateCA(tlsutil.CAOptions{})
	require.NoError(t, err)
	dir := t.TempDir()
	ca := &CA{t: t, dir: dir, CertPEM: certPEM, KeyPEM: keyPEM, CertFile: filepath.Join(dir, "ca.pem")}
	require.NoError(t, os.WriteFile(ca.CertFile, certPEM, 0o600))
	return ca
}

// Issue writes a new certificate of kind for datacenter dc, signed by the
// CA, and returns its certificate and key files.
func (ca *CA) Issue(kind tlsutil.Kind, dc string) (certFile, keyFile string) {
	ca.t.Helper()
	certPEM, keyPEM, err := tlsutil.GenerateCert(tlsutil.CertOptions{Kind: kind, Datacenter: dc, CACert: ca.CertPEM, CAKey: ca.KeyPEM})
	require.NoError(ca.t, err)
	ca.issued++
	certFile = filepath.Join(ca.dir, fmt.Sprintf("%s-%s-%d.pem", dc, kind, ca.issued))
	keyFile = filepath.Join(ca.dir, fmt.Sprintf("%s-%s-%d-key.pem", dc, kind, ca.issued))
	require.NoError(ca.t, os.WriteFile(certFile, certPEM, 0o600))
	require.NoError(ca.t, os.WriteFile(keyFile, keyPEM, 0o600))
	return certFile, keyFile
}
