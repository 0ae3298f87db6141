package dns

import (
	"net/netip"
	"strings"

	"github.com/cairn-sd/cairn/catalog"
	mdns "github.com/miekg/dns"
	"go.uber.org/zap"
)

// answerLocal fills resp for a lookup of the local datacenter. Records
// carry the question's name as asked, so that resolvers that randomise the
// case of their queries see their own spelling; a response without
// answers carries the zone's SOA in its authority section.
func (s *Server) answerLocal(l lookup, q mdns.Question, resp *mdns.Msg) {
	switch l.kind {
	case kindApex:
		s.answerApex(l, q, resp)
	case kindNode:
		s.answerNode(l, q, resp)
	case kindService:
		s.answerService(l, q, resp)
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
func (s *Server) answerNode(l lookup, q mdns.Question, resp *mdns.Msg) {
	n, _, err := s.src.Node(l.name)
	if err != nil {
		s.cfg.Logger.Warn("dns: node lookup failed", zap.String("node", l.name), zap.Error(err))
		resp.Rcode = mdns.RcodeServerFailure
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
func (s *Server) answerService(l lookup, q mdns.Question, resp *mdns.Msg) {
	rows, _, err := s.src.ServiceInstances(l.name, l.tag)
	if err != nil {
		s.cfg.Logger.Warn("dns: service lookup failed", zap.String("service", l.name), zap.Error(err))
		resp.Rcode = mdns.RcodeServerFailure
		return
	}
	rows = s.healthy(rows)
	if len(rows) == 0 {
		resp.Rcode = mdns.RcodeNameError
		return
	}
	s.shuffle(rows)
	ttl := s.cfg.serviceTTL(rows[0].Service.Service)
	if q.Qtype == mdns.TypeSRV {
		for _, r := range rows {
			s.appendSRV(l, q.Name, r, ttl, resp)
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
func (s *Server) appendSRV(l lookup, qname string, r *catalog.CheckServiceNode, ttl uint32, resp *mdns.Msg) {
	dc := s.cfg.Datacenter
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
