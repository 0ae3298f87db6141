package checks

import (
	"context"
	"fmt"
	"net"

	"github.com/cairn-sd/cairn/catalog"
)

// tcpProbe runs one TCP check: the check passes when a connection to the
// address opens, and the connection is closed at once.
type tcpProbe struct {
	addr   string
	dialer net.Dialer
}

// newTCPProbe builds the probe of a normalized TCP definition.
func newTCPProbe(d Definition) *tcpProbe {
	return &tcpProbe{addr: d.TCP, dialer: net.Dialer{Timeout: d.Timeout}}
}

// check connects once. The output on failure is the dial error, which
// names the address and the reason (refused, timed out, no route).
func (p *tcpProbe) check(ctx context.Context) (status, output string) {
	conn, err := p.dialer.DialContext(ctx, "tcp", p.addr)
	if err != nil {
		return catalog.HealthCritical, err.Error()
	}
	_ = conn.Close()
	return catalog.HealthPassing, fmt.Sprintf("TCP connect %s: Success", p.addr)
}
