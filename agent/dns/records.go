package dns

import (
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/cairn-sd/cairn/catalog"
	mdns "github.com/miekg/dns"
)

// header is the RR header of a class IN record.
func header(name string, rrtype uint16, ttl uint32) mdns.RR_Header {
	return mdns.RR_Header{Name: name, Rrtype: rrtype, Class: mdns.ClassINET, Ttl: ttl}
}

// hostRecord is the record for name pointing at address, if qtype asks
// for it: an A for an IPv4 address (qtype A or ANY), an AAAA for IPv6
// (AAAA or ANY), or a CNAME when address is a host name rather than an
// IP. It is nil when qtype asks for another family.
func hostRecord(name, address string, qtype uint16, ttl uint32) mdns.RR {
	ip, err := netip.ParseAddr(address)
	if err == nil {
		return addrRecord(name, ip.Unmap(), qtype, ttl)
	}
	if address == "" || qtype == mdns.TypeTXT {
		return nil
	}
	return &mdns.CNAME{Hdr: header(name, mdns.TypeCNAME, ttl), Target: mdns.Fqdn(address)}
}

// addrRecord is the A or AAAA record of ip under name, or nil when qtype
// asks for the other family.
func addrRecord(name string, ip netip.Addr, qtype uint16, ttl uint32) mdns.RR {
	if ip.Is4() && (qtype == mdns.TypeA || qtype == mdns.TypeANY) {
		b := ip.As4()
		return &mdns.A{Hdr: header(name, mdns.TypeA, ttl), A: b[:]}
	}
	if ip.Is6() && (qtype == mdns.TypeAAAA || qtype == mdns.TypeANY) {
		b := ip.As16()
		return &mdns.AAAA{Hdr: header(name, mdns.TypeAAAA, ttl), AAAA: b[:]}
	}
	return nil
}

// metaTXT turns node metadata into TXT records in key order, "key=value"
// as RFC 1464 writes them; a key prefixed "rfc1035-" gives its bare value.
func metaTXT(name string, meta map[string]string, ttl uint32) []mdns.RR {
	keys := make([]string, 0, len(meta))
	for k := range meta {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	out := make([]mdns.RR, 0, len(keys))
	for _, k := range keys {
		txt := k + "=" + meta[k]
		if strings.HasPrefix(k, "rfc1035-") {
			txt = meta[k]
		}
		out = append(out, &mdns.TXT{Hdr: header(name, mdns.TypeTXT, ttl), Txt: []string{txt}})
	}
	return out
}

// soa is the SOA record of domain, with Consul's names and the configured
// timers. Its TTL is the minimum TTL, so a negative answer is cached no
// longer than that.
func (s *Server) soa(domain string) mdns.RR {
	return &mdns.SOA{
		Hdr:     header(domain, mdns.TypeSOA, s.cfg.SOA.MinTTLSeconds),
		Ns:      "ns." + domain,
		Mbox:    "hostmaster." + domain,
		Serial:  uint32(time.Now().Unix()),
		Refresh: s.cfg.SOA.RefreshSeconds,
		Retry:   s.cfg.SOA.RetrySeconds,
		Expire:  s.cfg.SOA.ExpireSeconds,
		Minttl:  s.cfg.SOA.MinTTLSeconds,
	}
}

// healthy keeps the instances DNS may hand out: none of their checks
// (node or service) is critical, and with OnlyPassing none is anything but
// passing; and the ACL hook lets the node and the service be read.
func (s *Server) healthy(rows []*catalog.CheckServiceNode) []*catalog.CheckServiceNode {
	out := rows[:0:0]
	for _, r := range rows {
		if r == nil || r.Node == nil || r.Service == nil || !s.passes(r.Checks) {
			continue
		}
		if !s.cfg.allow(KindService, r.Service.Service) || !s.cfg.allow(KindNode, r.Node.Node) {
			continue
		}
		out = append(out, r)
	}
	return out
}

func (s *Server) passes(checks []*catalog.HealthCheck) bool {
	for _, c := range checks {
		if c.Status == catalog.HealthCritical {
			return false
		}
		if s.cfg.OnlyPassing && c.Status != catalog.HealthPassing {
			return false
		}
	}
	return true
}

// shuffle puts rows in a random order drawn from the configured source.
func (s *Server) shuffle(rows []*catalog.CheckServiceNode) {
	s.randMu.Lock()
	defer s.randMu.Unlock()
	s.cfg.Rand.Shuffle(len(rows), func(i, j int) { rows[i], rows[j] = rows[j], rows[i] })
}
