package dns

import (
	"encoding/hex"
	"net/netip"
	"strings"
)

// kind is what a query name asks for.
type kind int

const (
	kindInvalid kind = iota
	kindApex         // the domain itself (SOA, NS)
	kindNode         // <node>.node[.<dc>]
	kindService      // [<tag>.]<service>.service[.<dc>] and the RFC 2782 form
	kindAddr         // <hex-ip>.addr[.<dc>]
	kindQuery        // <query>.query[.<dc>] and _<query>._<tag>.query[.<dc>]
)

// lookup is a parsed query name inside one of the served domains.
type lookup struct {
	kind   kind
	domain string // the served domain the name ended in, lower case
	dc     string // the datacenter named, or "" for the local one
	name   string // node, service or prepared query name, as spelled in the query
	tag    string // service tag filter, or ""
	addr   netip.Addr
}

// parseName splits qname (already known to end in domain) into a lookup.
// The labels left of the domain are read from the right: an optional
// "<dc>.dc" or a "<dc>" after the kind label, then the kind label, then
// the name (and tag) labels.
func parseName(qname, domain string) lookup {
	l := lookup{domain: domain}
	rest := strings.TrimSuffix(qname[:len(qname)-len(domain)], ".")
	if rest == "" {
		l.kind = kindApex
		return l
	}
	labels := strings.Split(rest, ".")
	lower := strings.Split(strings.ToLower(rest), ".")
	n := len(labels)
	if n >= 3 && lower[n-1] == "dc" {
		l.dc = lower[n-2]
		labels, lower, n = labels[:n-2], lower[:n-2], n-2
	} else if n >= 2 && isKindLabel(lower[n-2]) && !isKindLabel(lower[n-1]) {
		l.dc = lower[n-1]
		labels, lower, n = labels[:n-1], lower[:n-1], n-1
	}
	if n >= 2 && isKindLabel(lower[n-1]) {
		return l.withKind(lower[n-1], labels[:n-1])
	}
	if l.dc == "" && n == 3 && isRFC2782(labels[:2]) {
		// _<service>._<tag>.<dc> without the "service" label.
		l.dc = lower[2]
		return l.withKind("service", labels[:2])
	}
	if l.dc == "" && n == 2 && isRFC2782(labels) {
		return l.withKind("service", labels)
	}
	return lookup{kind: kindInvalid, domain: domain}
}

func isKindLabel(s string) bool {
	return s == "node" || s == "service" || s == "addr" || s == "query"
}

func isRFC2782(labels []string) bool {
	return len(labels) == 2 && len(labels[0]) > 1 && len(labels[1]) > 1 &&
		labels[0][0] == '_' && labels[1][0] == '_'
}

// withKind fills in the lookup for the kind label and the labels left of
// it, or marks it invalid when they do not fit the kind.
func (l lookup) withKind(kindLabel string, labels []string) lookup {
	bad := lookup{kind: kindInvalid, domain: l.domain}
	switch kindLabel {
	case "node":
		if len(labels) != 1 {
			return bad
		}
		l.kind, l.name = kindNode, labels[0]
	case "service", "query":
		l.kind = kindService
		if kindLabel == "query" {
			l.kind = kindQuery
		}
		switch {
		case isRFC2782(labels):
			l.name, l.tag = labels[0][1:], labels[1][1:]
			if strings.EqualFold(l.tag, "tcp") {
				l.tag = ""
			}
		case len(labels) == 1:
			l.name = labels[0]
		case len(labels) == 2 && l.kind == kindService:
			l.name, l.tag = labels[1], labels[0]
		default:
			return bad
		}
	case "addr":
		a, ok := decodeHexAddr(labels)
		if !ok {
			return bad
		}
		l.kind, l.addr = kindAddr, a
	}
	return l
}

// decodeHexAddr reads the single label of an .addr name: 8 hex digits
// for an IPv4 address, 32 for IPv6.
func decodeHexAddr(labels []string) (netip.Addr, bool) {
	if len(labels) != 1 || (len(labels[0]) != 8 && len(labels[0]) != 32) {
		return netip.Addr{}, false
	}
	b, err := hex.DecodeString(labels[0])
	if err != nil {
		return netip.Addr{}, false
	}
	a, ok := netip.AddrFromSlice(b)
	return a.Unmap(), ok
}

// encodeHexAddr is the label of an .addr name for a.
func encodeHexAddr(a netip.Addr) string {
	if a.Is4() {
		b := a.As4()
		return hex.EncodeToString(b[:])
	}
	b := a.As16()
	return hex.EncodeToString(b[:])
}
