package config

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"strings"
)

// setDatacenter stores a datacenter name: lower-cased, then letters,
// digits, '-' and '_' only, as Consul requires.
func setDatacenter(dst *string, s string) error {
	dc := strings.ToLower(s)
	if dc == "" || strings.TrimFunc(dc, isDatacenterRune) != "" {
		return fmt.Errorf("must be letters, digits, '-' and '_' only, got %q", s)
	}
	*dst = dc
	return nil
}

func isDatacenterRune(r rune) bool {
	return r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '_'
}

// setNodeName stores a non-empty node name.
func setNodeName(b *builder, s string) error { return nonEmpty(&b.c.NodeName, s) }

// setNodeID stores a node ID. Any UUID-shaped hex string (8-4-4-4-12) is
// accepted, whatever its version bits say; it is kept in lower case.
func setNodeID(b *builder, s string) error {
	if !isUUIDShaped(s) {
		return fmt.Errorf("must be a UUID such as 09d82408-bc4f-49e0-5555-61ef1d4842f7, got %q", s)
	}
	b.c.NodeID = strings.ToLower(s)
	return nil
}

// isUUIDShaped reports whether s is 32 hex digits grouped 8-4-4-4-12.
func isUUIDShaped(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
				return false
			}
		}
	}
	return true
}

// parseAddr parses one IP address.
func parseAddr(s string) (netip.Addr, error) {
	if strings.Contains(s, "{{") {
		return netip.Addr{}, fmt.Errorf("go-sockaddr templates are not supported; give an IP address, got %q", s)
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Addr{}, fmt.Errorf("must be an IP address, got %q", s)
	}
	return a.Unmap(), nil
}

// parseAddrInto parses one IP address into dst.
func parseAddrInto(dst *netip.Addr, s string) error {
	a, err := parseAddr(s)
	if err != nil {
		return err
	}
	*dst = a
	return nil
}

// setClientAddr stores a space-separated list of IP addresses.
func setClientAddr(b *builder, s string) error {
	fields := strings.Fields(s)
	if len(fields) == 0 {
		return errors.New("must list at least one IP address")
	}
	addrs := make([]netip.Addr, 0, len(fields))
	for _, f := range fields {
		a, err := parseAddr(f)
		if err != nil {
			return err
		}
		addrs = append(addrs, a)
	}
	b.c.ClientAddrs = addrs
	return nil
}

// setEncrypt checks and stores the gossip key. Its errors never contain
// the value.
func setEncrypt(b *builder, s Secret) error {
	if s != "" {
		if _, err := decodeGossipKey(s.Reveal()); err != nil {
			return err
		}
	}
	b.c.Encrypt = s
	return nil
}

// logLevels maps every accepted spelling (compared in lower case) to the
// canonical level name.
var logLevels = map[string]string{
	"trace": "trace", "debug": "debug", "info": "info",
	"warn": "warn", "warning": "warn", "err": "error", "error": "error",
}

// setLogLevel stores a log level given in any case ("INFO", "info").
func setLogLevel(b *builder, s string) error {
	level, ok := logLevels[strings.ToLower(s)]
	if !ok {
		return fmt.Errorf("must be one of trace, debug, info, warn, error, got %q", s)
	}
	b.c.LogLevel = level
	return nil
}

// setContentPath stores the UI's HTTP path, with leading and trailing '/'.
func setContentPath(b *builder, s string) error {
	p := "/" + strings.Trim(s, "/") + "/"
	if p == "//" {
		p = "/"
	}
	b.c.UIContentPath = p
	return nil
}

// setDownPolicy stores acl.down_policy.
func setDownPolicy(b *builder, s string) error {
	return oneOf(&b.c.ACL.DownPolicy, s, "allow", "deny", "extend-cache", "async-cache")
}

// setDomain stores the DNS domain with exactly one trailing dot.
func setDomain(b *builder, s string) error {
	d := strings.Trim(s, ".")
	if d == "" {
		return fmt.Errorf("must be a domain name such as \"consul.\", got %q", s)
	}
	b.c.DNS.Domain = d + "."
	return nil
}

// addRecursors appends DNS recursors given as "ip" or "ip:port" (port 53
// by default).
func addRecursors(b *builder, list []string) error {
	for _, s := range list {
		ap, err := parseAddrPort(s, 53)
		if err != nil {
			return err
		}
		b.c.DNS.Recursors = append(b.c.DNS.Recursors, ap)
	}
	return nil
}

// parseAddrPort parses "ip", "[v6]", "ip:port" or "[v6]:port".
func parseAddrPort(s string, defaultPort uint16) (netip.AddrPort, error) {
	if ap, err := netip.ParseAddrPort(s); err == nil {
		return netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port()), nil
	}
	a, err := parseAddr(strings.TrimSuffix(strings.TrimPrefix(s, "["), "]"))
	if err != nil {
		return netip.AddrPort{}, fmt.Errorf("must be an IP address with an optional port, got %q", s)
	}
	return netip.AddrPortFrom(a, defaultPort), nil
}

// parseHostPort parses a join address: a host name or IP, optionally with
// a port ("10.0.0.1", "10.0.0.1:8301", "[::1]:8301", "node.example.com").
func parseHostPort(s string, defaultPort int) (HostPort, error) {
	switch {
	case strings.Contains(s, "provider="):
		return HostPort{}, fmt.Errorf("cloud auto-join is not supported, got %q", s)
	case strings.Contains(s, "{{"):
		return HostPort{}, fmt.Errorf("go-sockaddr templates are not supported, got %q", s)
	}
	host, portText, err := net.SplitHostPort(s)
	port := defaultPort
	if err != nil {
		host = strings.TrimSuffix(strings.TrimPrefix(s, "["), "]")
	} else {
		p, err := strconv.Atoi(portText)
		if err != nil || p < 1 || p > 65535 {
			return HostPort{}, fmt.Errorf("port must be 1-65535, got %q", s)
		}
		port = p
	}
	if a, err := netip.ParseAddr(host); err == nil {
		return HostPort{Host: a.Unmap().String(), Port: port}, nil
	}
	if !isHostName(host) {
		return HostPort{}, fmt.Errorf("must be a host name or IP address with an optional port, got %q", s)
	}
	return HostPort{Host: host, Port: port}, nil
}

// isHostName reports whether s is a plausible DNS name.
func isHostName(s string) bool {
	if s == "" || len(s) > 253 {
		return false
	}
	for _, label := range strings.Split(strings.TrimSuffix(s, "."), ".") {
		if label == "" || len(label) > 63 || label[0] == '-' {
			return false
		}
		for _, r := range label {
			if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
				return false
			}
		}
	}
	return true
}

// addJoins parses join addresses and appends them to dst; an entry without
// a port keeps Port 0 until the serf port is known.
func addJoins(dst *[]HostPort, list []string) error {
	for i, s := range list {
		hp, err := parseHostPort(s, 0)
		if err != nil {
			return fmt.Errorf("entry %d: %w", i, err)
		}
		*dst = append(*dst, hp)
	}
	return nil
}
