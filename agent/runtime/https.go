package runtime

import (
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"

	"go.uber.org/zap"
)

// serveHTTPS listens on ports.https on every client address and serves
// the same API as HTTP over TLS, with the tls.https settings: with
// verify_incoming a client must present a certificate from the CA. It
// does nothing when ports.https is -1 (the default).
func (a *Agent) serveHTTPS() error {
	if a.cfg.Ports.HTTPS < 0 {
		return nil
	}
	cfg := a.tls.HTTPSServer()
	if cfg == nil {
		return errors.New("ports.https is set but tls.https has no certificate")
	}
	for _, addr := range a.cfg.ClientAddrs {
		hostPort := net.JoinHostPort(addr.String(), strconv.Itoa(a.cfg.Ports.HTTPS))
		ln, err := net.Listen("tcp", hostPort)
		if err != nil {
			return fmt.Errorf("listen for HTTPS on %s: %w", hostPort, err)
		}
		// httpLns closes it at stop; httpsLns names it.
		a.httpLns = append(a.httpLns, ln)
		a.httpsLns = append(a.httpsLns, ln)
		a.serveDone.Add(1)
		go func() {
			defer a.serveDone.Done()
			err := a.httpServer.Serve(tls.NewListener(a.conns.wrap(ln), cfg))
			if err != nil && !errors.Is(err, http.ErrServerClosed) {
				a.logger.Error("HTTPS server stopped", zap.Error(err))
			}
		}()
	}
	return nil
}

// HTTPSAddr is the address of the first HTTPS listener, "host:port", or
// "" when ports.https is -1.
func (a *Agent) HTTPSAddr() string {
	if len(a.httpsLns) == 0 {
		return ""
	}
	return a.httpsLns[0].Addr().String()
}

// APIURL is the base URL a process on this host reaches the API at: the
// plain HTTP listener ("http://host:port") when there is one, else the
// HTTPS listener ("https://host:port") of an HTTPS-only agent.
func (a *Agent) APIURL() string {
	if addr := a.HTTPAddr(); addr != "" {
		return "http://" + addr
	}
	return "https://" + a.HTTPSAddr()
}
