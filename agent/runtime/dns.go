package runtime

import (
	"fmt"
	"net"
	"strconv"

	"github.com/cairn-sd/cairn/agent/dns"
)

// startDNS serves Consul's DNS interface over the local catalog on the
// first client address and ports.dns, UDP and TCP; ports.dns = -1 turns it
// off. On a server the local catalog is the replicated state, so answers
// are as fresh as a default (non-consistent) HTTP read; a client asks a
// server for a stale read (dnssource.go). Names of another datacenter are
// stale reads relayed to a server there across the WAN.
func (a *Agent) startDNS() error {
	if a.cfg.Ports.DNS < 0 {
		return nil
	}
	var recursors []string
	for _, r := range a.cfg.DNS.Recursors {
		recursors = append(recursors, r.String())
	}
	var source dns.Source = relaySource{a: a}
	if a.server != nil {
		source = serverSource{StateSource: dns.StateSource{State: a.server.Catalog()}, a: a}
	}
	if a.acl != nil {
		source = aclSource{inner: source, a: a}
	}
	a.dns = dns.New(dns.Config{
		Domain: a.cfg.DNS.Domain, Datacenter: a.cfg.Datacenter, NodeTTL: a.cfg.DNS.NodeTTL,
		ServiceTTL: a.cfg.DNS.ServiceTTL, OnlyPassing: a.cfg.DNS.OnlyPassing, Recursors: recursors,
		Remote: func(dc string) dns.Source { return relaySource{a: a, dc: dc} },
		Logger: a.logger.Named("dns"),
	}, source)
	addr := net.JoinHostPort(a.cfg.ClientAddrs[0].String(), strconv.Itoa(a.cfg.Ports.DNS))
	if err := a.dns.ListenAndServe(addr); err != nil {
		return fmt.Errorf("serve DNS on %s: %w", addr, err)
	}
	return nil
}

// DNSAddr is the address the DNS interface listens on (UDP and TCP), or ""
// when it is off.
func (a *Agent) DNSAddr() string {
	if a.dns == nil || len(a.dns.Addrs()) == 0 {
		return ""
	}
	return a.dns.Addrs()[0].String()
}
