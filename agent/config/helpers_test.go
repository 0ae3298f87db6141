package config

import (
	"flag"
	"net/netip"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// testKey is a valid 32-byte gossip key used by the tests.
const testKey = "1LNzecjsYKsUBox3vm8Yw2pPf4XwMKPo0+JdI50sI8Y="

// hostOptions fakes the host: its name is "testhost" and its only
// interfaces are loopback and one private address.
func hostOptions() Options {
	return Options{
		Hostname: func() (string, error) { return "testhost", nil },
		InterfaceAddrs: func() ([]netip.Addr, error) {
			return []netip.Addr{netip.MustParseAddr("127.0.0.1"), netip.MustParseAddr("10.1.2.3"), netip.MustParseAddr("::1")}, nil
		},
	}
}

// withFlags parses agent command-line args into options faking the host.
func withFlags(t *testing.T, args ...string) Options {
	t.Helper()
	fs := flag.NewFlagSet("agent", flag.ContinueOnError)
	f := NewFlags(fs)
	require.NoError(t, fs.Parse(args))
	opts := f.Options()
	host := hostOptions()
	opts.Hostname, opts.InterfaceAddrs = host.Hostname, host.InterfaceAddrs
	return opts
}

// writeFiles writes name → content into a fresh directory and returns it.
func writeFiles(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte(content), 0o600))
	}
	return dir
}

// parse loads one JSON document with the fake host.
func parse(t *testing.T, doc string) (*Config, error) {
	t.Helper()
	return Parse("test.json", []byte(doc), hostOptions())
}
