package dns

import (
	"errors"
	"net/netip"
	"strings"

	"github.com/cairn-sd/cairn/catalog"
	mdns "github.com/miekg/dns"
	"go.uber.org/zap"
)

// view is the catalog an answer is built from: a Source and the
// datacenter it describes (the local one, or another one read across the
// WAN), which SRV targets name.
type view struct {
	src Source
	dc  string
}

// answerFrom fills resp for a lookup answered from v. Records carry the
// question's name as asked, so that resolvers that randomise the case of
// their queries see their own spelling; a response without answers
// carries the zone's SOA in its authority section.
func (s *Server) answerFrom(l lookup, q mdns.Question, resp *mdns.Msg, v view) {
	switch l.kind {
	case kindApex:
		s.answerApex(l, q, resp)
	case kindNode:
		s.answerNode(l, q, resp, v)
	case kindService:
		s.answerService(l, q, resp, v)
	case kindQuery:
		s.answerQuery(l, q, resp, v)
	case kindAddr:
		if rr := addrRecord(q.Name, l.addr, q.Qtype, 0); rr != nil {
			resp.Answer = append(resp.Answer, rr)
		}
	default:
		resp.Rcode = mdns.RcodeNameError
	}
	if len(resp.Answer) == 0 && resp.Rcode != mdns.RcodeServerFailure {
		resp.Ns = append(resp.Ns, s.soa(l.domain))
	}
}

// answerApex answers SOA and NS questions for the domain itself.
func (s *Server) answerApex(l lookup, q mdns.Question, resp *mdns.Msg) {
	if q.Qtype == mdns.TypeSOA || q.Qtype == mdns.TypeANY {
		resp.Answer = append(resp.Answer, s.soa(l.domain))
	}
	if q.Qtype == mdns.TypeNS || q.Qtype == mdns.TypeANY {
		resp.Answer = append(resp.Answer, &mdns.NS{
			Hdr: header(l.domain, mdns.TypeNS, 0),
			Ns:  "ns." + l.domain,
		})
	}
}

// answerNode answers <node>.node: the node's address (A, AAAA, or a
// CNAME for a host name) and, for TXT and ANY, its metadata.
func (s *Server) answerNode(l lookup, q mdns.Question, resp *mdns.Msg, v view) {
	n, _, err := v.src.Node(l.name)
	if err != nil {
		s.lookupFailed(resp, "node", l.name, err)
		return
	}
	if n == nil || !s.cfg.allow(KindNode, n.Node) {
		resp.Rcode = mdns.RcodeNameError
		return
	}
	ttl := seconds(s.cfg.NodeTTL)
	if rr := hostRecord(q.Name, n.Address, q.Qtype, ttl); rr != nil {
		resp.Answer = append(resp.Answer, rr)
	}
	if q.Qtype == mdns.TypeTXT || q.Qtype == mdns.TypeANY {
		resp.Answer = append(resp.Answer, metaTXT(q.Name, n.Meta, ttl)...)
	}
}

// answerService answers a service lookup: an address record per healthy
// instance for A, AAAA and ANY; an SRV record per instance, with the
// target's address in the additional section, for SRV.
func (s *Server) answerService(l lookup, q mdns.Question, resp *mdns.Msg, v view) {
	rows, _, err := v.src.ServiceInstances(l.name, l.tag)
	if err != nil {
		s.lookupFailed(resp, "service", l.name, err)
		return
	}
	rows = s.healthy(rows)
	if len(rows) == 0 {
		resp.Rcode = mdns.RcodeNameError
		return
	}
	s.shuffle(rows)
	s.appendInstances(l, q, rows, s.cfg.serviceTTL(rows[0].Service.Service), v.dc, resp)
}

// lookupFailed answers a lookup whose Source failed: NXDOMAIN when the
// datacenter is unknown (as Consul answers a datacenter it has no path
// to), SERVFAIL otherwise.
func (s *Server) lookupFailed(resp *mdns.Msg, what, name string, err error) {
	if errors.Is(err, ErrUnknownDatacenter) {
		resp.Rcode = mdns.RcodeNameError
		return
	}
	s.cfg.Logger.Warn("dns: lookup failed", zap.String(what, name), zap.Error(err))
	resp.Rcode = mdns.RcodeServerFailure
}

// appendInstances answers rows, in their order: an SRV record per
// instance for SRV, else an address record per distinct address (capped
// by ARecordLimit). dc is the datacenter the instances are in.
func (s *Server) appendInstances(l lookup, q mdns.Question, rows []*catalog.CheckServiceNode, ttl uint32, dc string, resp *mdns.Msg) {
	if q.Qtype == mdns.TypeSRV {
		for _, r := range rows {
			s.appendSRV(l, q.Name, r, ttl, dc, resp)
		}
		return
	}
	seen := make(map[string]bool, len(rows))
	for _, r := range rows {
		addr := instanceAddress(r)
		if seen[addr] {
			continue
		}
		seen[addr] = true
		if rr := hostRecord(q.Name, addr, q.Qtype, ttl); rr != nil {
			resp.Answer = append(resp.Answer, rr)
		}
		if limit := s.cfg.ARecordLimit; limit > 0 && len(resp.Answer) == limit {
			return
		}
	}
}

// appendSRV adds the SRV record of one instance and the address record of
// its target, with the node's metadata as TXT records for a node target.
// The target is the instance's own address when it has one
// (<hex>.addr.<dc>.<domain> for an IP, the name itself for a host name),
// else its node (<node>.node.<dc>.<domain>).
func (s *Server) appendSRV(l lookup, qname string, r *catalog.CheckServiceNode, ttl uint32, dc string, resp *mdns.Msg) {
	addr := instanceAddress(r)
	var target string
	ip, err := netip.ParseAddr(addr)
	switch {
	case r.Service.Address == "":
		target = r.Node.Node + ".node." + dcLabel(dc) + l.domain
	case err == nil:
		target = encodeHexAddr(ip.Unmap()) + ".addr." + dcLabel(dc) + l.domain
	default:
		target = mdns.Fqdn(addr)
	}
	resp.Answer = append(resp.Answer, &mdns.SRV{
		Hdr:      header(qname, mdns.TypeSRV, ttl),
		Priority: 1,
		Weight:   srvWeight(r),
		Port:     uint16(min(max(r.Service.Port, 0), 65535)),
		Target:   target,
	})
	if err != nil || hasOwner(resp.Extra, target) {
		return
	}
	resp.Extra = append(resp.Extra, addrRecord(target, ip.Unmap(), mdns.TypeANY, ttl))
	if r.Service.Address == "" && !s.cfg.DisableNodeMetaTXT {
		resp.Extra = append(resp.Extra, metaTXT(target, r.Node.Meta, ttl)...)
	}
}

// dcLabel is the datacenter label of a target name, with its dot.
func dcLabel(dc string) string {
	if dc == "" {
		return ""
	}
	return strings.ToLower(dc) + "."
}

// instanceAddress is where an instance is reached: its own address if set,
// else its node's.
func instanceAddress(r *catalog.CheckServiceNode) string {
	if r.Service.Address != "" {
		return r.Service.Address
	}
	return r.Node.Address
}

// srvWeight is the instance's SRV weight: Weights.Warning while a check
// warns, Weights.Passing otherwise, kept inside 1..65535.
func srvWeight(r *catalog.CheckServiceNode) uint16 {
	w := r.Service.Weights.Passing
	if catalog.AggregatedStatus(r.Checks) == catalog.HealthWarning {
		w = r.Service.Weights.Warning
	}
	return uint16(min(max(w, 1), 65535))
}

// hasOwner reports whether a record of rrs is owned by name.
func hasOwner(rrs []mdns.RR, name string) bool {
	for _, rr := range rrs {
		if rr.Header().Name == name {
			return true
		}
	}
	return false
}
