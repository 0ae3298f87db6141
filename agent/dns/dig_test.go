package dns

import (
	"net"
	"os/exec"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestDigResolvesServiceSRV asks the real dig(1), when it is installed,
// for an SRV record over UDP and an A record over TCP.
func TestDigResolvesServiceSRV(t *testing.T) {
	dig, err := exec.LookPath("dig")
	if err != nil {
		t.Skip("dig is not installed")
	}
	c := newTestCatalog(t)
	c.webCluster(2)
	s := New(testConfig(), c.source())
	listen(t, s)
	host, port, err := net.SplitHostPort(s.Addrs()[0].String())
	require.NoError(t, err)

	out, err := exec.Command(dig, "@"+host, "-p", port, "+short", "_web._tcp.service.consul", "SRV").CombinedOutput()
	require.NoError(t, err, string(out))
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	require.ElementsMatch(t, []string{"1 1 8080 web-0.node.dc1.consul.", "1 1 8080 web-1.node.dc1.consul."}, lines)

	out, err = exec.Command(dig, "@"+host, "-p", port, "+tcp", "+short", "web-1.node.consul", "A").CombinedOutput()
	require.NoError(t, err, string(out))
	require.Equal(t, "10.0.0.2", strings.TrimSpace(string(out)))
}
