package checks

import (
	"errors"
	"net"
	"testing"

	"github.com/cairn-sd/cairn/catalog"
	"github.com/stretchr/testify/require"
)

// listen opens a 127.0.0.1 listener that accepts and closes connections
// until the test ends.
func listen(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			conn, err := l.Accept()
			if errors.Is(err, net.ErrClosed) {
				return
			}
			if err == nil {
				_ = conn.Close()
			}
		}
	}()
	t.Cleanup(func() {
		_ = l.Close()
		<-done
	})
	return l.Addr().String()
}

func TestTCPConnectToListenerPasses(t *testing.T) {
	addr := listen(t)
	r, rec := newTestRunner(t)
	require.NoError(t, r.Start(Definition{ID: "tcp-up", TCP: addr, Interval: testInterval}))
	got := rec.waitStatus(t, "tcp-up", catalog.HealthPassing)
	require.Equal(t, "TCP connect "+addr+": Success", got.output)
}

func TestTCPConnectToClosedPortIsCritical(t *testing.T) {
	addr := closedPort(t)
	r, rec := newTestRunner(t)
	require.NoError(t, r.Start(Definition{ID: "tcp-down", TCP: addr, Interval: testInterval}))
	got := rec.waitStatus(t, "tcp-down", catalog.HealthCritical)
	require.Contains(t, got.output, "dial tcp "+addr)
}
