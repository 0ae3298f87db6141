package dns

import (
	"net/netip"
	"strconv"
	"strings"

	mdns "github.com/miekg/dns"
	"go.uber.org/zap"
)

// isReverse reports whether the lower-cased qname is a reverse-lookup
// name.
func isReverse(qname string) bool {
	return strings.HasSuffix(qname, ".in-addr.arpa.") || strings.HasSuffix(qname, ".ip6.arpa.")
}

// parseReverse reads the address of a full reverse name: four decimal
// octets before in-addr.arpa, or 32 hex nibbles before ip6.arpa, both
// least significant first.
func parseReverse(qname string) (netip.Addr, bool) {
	if rest, ok := strings.CutSuffix(qname, ".in-addr.arpa."); ok {
		if b, ok := reversedDigits(rest, 4, 10, 8); ok {
			return netip.AddrFrom4([4]byte(b)), true
		}
	}
	if rest, ok := strings.CutSuffix(qname, ".ip6.arpa."); ok {
		if b, ok := reversedDigits(rest, 32, 16, 4); ok {
			return netip.AddrFrom16([16]byte(b)), true
		}
	}
	return netip.Addr{}, false
}

// reversedDigits reads exactly n dot-separated digits in base, each worth
// bits bits, least significant first, into the bytes they spell. A hex
// nibble must be a single character.
func reversedDigits(rest string, n, base, bits int) ([]byte, bool) {
	labels := strings.Split(rest, ".")
	if len(labels) != n {
		return nil, false
	}
	out := make([]byte, n*bits/8)
	perByte := 8 / bits
	for i, l := range labels {
		v, err := strconv.ParseUint(l, base, bits)
		if err != nil || (base == 16 && len(l) != 1) {
			return nil, false
		}
		out[len(out)-1-i/perByte] |= byte(v) << (bits * (i % perByte))
	}
	return out, true
}

// answerPTR answers a reverse lookup with the name of every readable node
// whose address it is. It reports false when no node has the address, so
// that the caller can hand the question to the recursors.
func (s *Server) answerPTR(q mdns.Question, resp *mdns.Msg) bool {
	ip, ok := parseReverse(asciiLower(q.Name))
	if !ok {
		return false
	}
	nodes, _, err := s.src.Nodes()
	if err != nil {
		s.cfg.Logger.Warn("dns: node list failed", zap.Error(err))
		resp.Rcode = mdns.RcodeServerFailure
		return true
	}
	for _, n := range nodes {
		a, err := netip.ParseAddr(n.Address)
		if err != nil || a.Unmap() != ip || !s.cfg.allow(KindNode, n.Node) {
			continue
		}
		resp.Answer = append(resp.Answer, &mdns.PTR{
			Hdr: header(q.Name, mdns.TypePTR, seconds(s.cfg.NodeTTL)),
			Ptr: n.Node + ".node." + dcLabel(s.cfg.Datacenter) + s.cfg.Domain,
		})
	}
	return len(resp.Answer) > 0
}
