package dns

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"sync"

	mdns "github.com/miekg/dns"
	"go.uber.org/zap"
)

// ErrAlreadyListening is returned by ListenAndServe on a Server that is
// already serving.
var ErrAlreadyListening = errors.New("dns: server already listening")

// Server answers DNS queries for the served domains from a Source. It is
// a mdns.Handler, so it can also be mounted on another miekg/dns server.
type Server struct {
	cfg Config
	src Source

	randMu sync.Mutex // guards cfg.Rand

	mu      sync.Mutex
	servers []*mdns.Server
	addrs   []net.Addr
}

// New returns a Server answering from src with cfg (zero fields take
// their defaults). It does not listen until ListenAndServe.
func New(cfg Config, src Source) *Server {
	return &Server{cfg: cfg.withDefaults(), src: src}
}

// ServeDNS answers one query; miekg/dns calls it for every message it
// decoded. Messages it could not decode it answers with FORMERR itself.
func (s *Server) ServeDNS(w mdns.ResponseWriter, req *mdns.Msg) {
	network := "udp"
	if _, ok := w.RemoteAddr().(*net.TCPAddr); ok {
		network = "tcp"
	}
	resp := s.Answer(req, network)
	if err := w.WriteMsg(resp); err != nil {
		s.cfg.Logger.Debug("dns: write response", zap.Error(err))
	}
}

// Answer builds the response to req arriving over network ("udp" or
// "tcp"), trimmed to what that transport carries. It never panics on any
// message: a message that is not one standard query gets FORMERR (or
// NOTIMP for another opcode).
func (s *Server) Answer(req *mdns.Msg, network string) *mdns.Msg {
	resp := new(mdns.Msg)
	switch {
	case req.Response || len(req.Question) != 1:
		resp.SetRcodeFormatError(req)
		return resp
	case req.Opcode != mdns.OpcodeQuery:
		resp.SetRcode(req, mdns.RcodeNotImplemented)
		return resp
	}
	q := req.Question[0]
	qname := asciiLower(q.Name)
	domain := s.domainOf(qname)
	if domain == "" {
		if isReverse(qname) {
			if r := s.reverse(req, q, network); r != nil {
				return r
			}
		}
		return s.recurse(req, network)
	}
	resp.SetReply(req)
	resp.Authoritative = true
	resp.RecursionAvailable = len(s.cfg.Recursors) > 0
	resp.Compress = true
	l := parseName(q.Name, domain)
	v := view{src: s.src, dc: s.cfg.Datacenter}
	if l.dc != "" && !strings.EqualFold(l.dc, s.cfg.Datacenter) && (l.kind == kindNode || l.kind == kindService || l.kind == kindQuery) {
		if s.cfg.Remote == nil {
			return s.unknownDatacenter(req)
		}
		v = view{src: s.cfg.Remote(l.dc), dc: l.dc}
	}
	s.answerFrom(l, q, resp, v)
	s.finish(req, resp, network)
	return resp
}

// domainOf returns the served domain that the lower-cased qname is in, or
// "".
func (s *Server) domainOf(qname string) string {
	for _, d := range []string{s.cfg.Domain, s.cfg.AltDomain} {
		if d != "" && (qname == d || strings.HasSuffix(qname, "."+d)) {
			return d
		}
	}
	return ""
}

// reverse answers a PTR question from the catalog. When no readable node
// has the address it returns nil if there are recursors to ask, and
// NXDOMAIN with an SOA otherwise.
func (s *Server) reverse(req *mdns.Msg, q mdns.Question, network string) *mdns.Msg {
	resp := new(mdns.Msg)
	resp.SetReply(req)
	resp.Authoritative = true
	resp.RecursionAvailable = len(s.cfg.Recursors) > 0
	resp.Compress = true
	found := (q.Qtype == mdns.TypePTR || q.Qtype == mdns.TypeANY) && s.answerPTR(q, resp)
	if !found {
		if len(s.cfg.Recursors) > 0 {
			return nil
		}
		resp.Rcode = mdns.RcodeNameError
		resp.Ns = append(resp.Ns, s.soa(s.cfg.Domain))
	}
	s.finish(req, resp, network)
	return resp
}

// finish echoes EDNS0 and trims the response for its transport.
func (s *Server) finish(req, resp *mdns.Msg, network string) {
	if opt := req.IsEdns0(); opt != nil {
		resp.SetEdns0(uint16(min(udpSize(req), maxMsgSize)), false)
	}
	s.trim(req, resp, network)
}

// unknownDatacenter answers a name for another datacenter when there is
// no Config.Remote: NXDOMAIN, as Consul answers a datacenter it has no
// path to.
func (s *Server) unknownDatacenter(req *mdns.Msg) *mdns.Msg {
	resp := new(mdns.Msg)
	resp.SetRcode(req, mdns.RcodeNameError)
	resp.Authoritative = true
	resp.Ns = append(resp.Ns, s.soa(s.domainOf(asciiLower(req.Question[0].Name))))
	return resp
}

// recurse asks the recursors, in order, about a name outside the served
// domains, and returns the first answer that is not SERVFAIL. Without
// recursors the query is REFUSED; when none answers, SERVFAIL.
func (s *Server) recurse(req *mdns.Msg, network string) *mdns.Msg {
	resp := new(mdns.Msg)
	if len(s.cfg.Recursors) == 0 {
		resp.SetRcode(req, mdns.RcodeRefused)
		return resp
	}
	c := &mdns.Client{Net: network, Timeout: s.cfg.RecursorTimeout}
	for _, r := range s.cfg.Recursors {
		in, _, err := c.Exchange(req, recursorAddr(r))
		if err == nil && in != nil && in.Rcode != mdns.RcodeServerFailure {
			in.Id = req.Id
			in.Compress = true
			return in
		}
		s.cfg.Logger.Debug("dns: recursor failed", zap.String("recursor", r), zap.Error(err))
	}
	resp.SetRcode(req, mdns.RcodeServerFailure)
	resp.RecursionAvailable = true
	return resp
}

// recursorAddr adds port 53 to a recursor given without a port.
func recursorAddr(r string) string {
	if _, _, err := net.SplitHostPort(r); err == nil {
		return r
	}
	return net.JoinHostPort(strings.Trim(r, "[]"), "53")
}

// asciiLower lower-cases the ASCII letters of s and leaves every other
// byte alone, so that lengths and escapes survive.
func asciiLower(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; 'A' <= c && c <= 'Z' {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				if 'A' <= b[j] && b[j] <= 'Z' {
					b[j] += 'a' - 'A'
				}
			}
			return string(b)
		}
	}
	return s
}

// ListenAndServe binds addr ("host:port"; port 0 picks a free one) on
// both UDP and TCP, on the same port, and serves in the background until
// Shutdown. It returns once both sockets are bound and serving.
func (s *Server) ListenAndServe(addr string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.servers) > 0 {
		return ErrAlreadyListening
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("dns: listen on %q: %w", addr, err)
	}
	var pc net.PacketConn
	var ln net.Listener
	for attempt := 0; ; attempt++ {
		pc, ln, err = bindPair(host, port)
		if err == nil || port != "0" || attempt == 5 {
			break
		}
	}
	if err != nil {
		return fmt.Errorf("dns: listen on %q: %w", addr, err)
	}
	udp := &mdns.Server{PacketConn: pc, Handler: s, UDPSize: maxMsgSize}
	tcp := &mdns.Server{Listener: ln, Handler: s}
	for _, srv := range []*mdns.Server{udp, tcp} {
		started := make(chan struct{})
		srv.NotifyStartedFunc = func() { close(started) }
		go func() {
			if err := srv.ActivateAndServe(); err != nil {
				s.cfg.Logger.Error("dns: server stopped", zap.Error(err))
			}
		}()
		<-started
	}
	s.servers = []*mdns.Server{udp, tcp}
	s.addrs = []net.Addr{pc.LocalAddr(), ln.Addr()}
	s.cfg.Logger.Info("dns: serving", zap.Stringer("udp", pc.LocalAddr()), zap.Stringer("tcp", ln.Addr()))
	return nil
}

// bindPair binds UDP on host:port and TCP on the port UDP got.
func bindPair(host, port string) (net.PacketConn, net.Listener, error) {
	pc, err := net.ListenPacket("udp", net.JoinHostPort(host, port))
	if err != nil {
		return nil, nil, err
	}
	bound := strconv.Itoa(pc.LocalAddr().(*net.UDPAddr).Port)
	ln, err := net.Listen("tcp", net.JoinHostPort(host, bound))
	if err != nil {
		pc.Close()
		return nil, nil, err
	}
	return pc, ln, nil
}

// Addrs returns the bound addresses: the UDP one, then the TCP one. It is
// empty before ListenAndServe and after Shutdown.
func (s *Server) Addrs() []net.Addr {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]net.Addr(nil), s.addrs...)
}

// Shutdown stops both listeners and waits, up to ctx, for the queries in
// flight.
func (s *Server) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	servers := s.servers
	s.servers, s.addrs = nil, nil
	s.mu.Unlock()
	var errs []error
	for _, srv := range servers {
		if err := srv.ShutdownContext(ctx); err != nil {
			errs = append(errs, fmt.Errorf("dns: shutdown: %w", err))
		}
	}
	return errors.Join(errs...)
}
