package config

import (
	"fmt"
	"net"
	"net/netip"
	"os"
	"time"
)

// minReconnectTimeout is the shortest reconnect_timeout Consul allows.
const minReconnectTimeout = 8 * time.Hour

// errAt builds an error for key, naming the source that last set it.
func (b *builder) errAt(key, format string, args ...any) *Error {
	return &Error{Source: b.origin[key], Key: key, Msg: fmt.Sprintf(format, args...)}
}

// finish derives what depends on several keys and checks the merged whole.
func (b *builder) finish(opts Options) error {
	for _, step := range []func(Options) error{
		b.finishIdentity,
		b.finishMode,
		b.finishAddresses,
		b.finishJoin,
		b.finishPorts,
		b.finishTLS,
	} {
		if err := step(opts); err != nil {
			return err
		}
	}
	return nil
}

// finishIdentity fills the node name and the derived identity defaults.
func (b *builder) finishIdentity(opts Options) error {
	c := &b.c
	if c.NodeName == "" {
		hostname := opts.Hostname
		if hostname == nil {
			hostname = os.Hostname
		}
		name, err := hostname()
		if err != nil || name == "" {
			return b.errAt("node_name", "not set, and the host name is unknown; set node_name")
		}
		c.NodeName = name
	}
	if c.PrimaryDatacenter == "" {
		c.PrimaryDatacenter = c.Datacenter
	}
	if c.Performance.RaftMultiplier == 0 {
		c.Performance.RaftMultiplier = 1
	}
	if c.ReconnectTimeout < minReconnectTimeout {
		return b.errAt("reconnect_timeout", "must be at least %s, got %s", minReconnectTimeout, c.ReconnectTimeout)
	}
	return nil
}

// finishMode checks server, bootstrap and data_dir, and fills the leave
// defaults, which depend on the agent's role.
func (b *builder) finishMode(Options) error {
	c := &b.c
	if c.Bootstrap && c.BootstrapExpect > 0 {
		return b.errAt("bootstrap_expect", "cannot be combined with bootstrap")
	}
	if !c.Server && c.BootstrapExpect > 0 {
		return b.errAt("bootstrap_expect", "requires server mode (server: true)")
	}
	if !c.Server && c.Bootstrap {
		return b.errAt("bootstrap", "requires server mode (server: true)")
	}
	if c.DevMode && !b.set("bootstrap_expect") && !b.set("bootstrap") {
		c.Bootstrap = c.Server
	}
	if c.Bootstrap || c.BootstrapExpect == 1 {
		c.Bootstrap, c.BootstrapExpect = true, 1
	}
	if c.DataDir == "" && !c.DevMode {
		return &Error{Key: "data_dir", Msg: "must be set (or run with -dev)"}
	}
	if !b.set("leave_on_terminate") {
		c.LeaveOnTerminate = !c.Server
	}
	if !b.set("skip_leave_on_interrupt") {
		c.SkipLeaveOnInterrupt = c.Server
	}
	return nil
}

// finishAddresses chooses the advertise addresses.
func (b *builder) finishAddresses(opts Options) error {
	c := &b.c
	if !c.AdvertiseAddr.IsValid() {
		c.AdvertiseAddr = c.BindAddr
		if c.BindAddr.IsUnspecified() {
			addr, err := b.discoverAdvertise(opts, c.BindAddr.Is4())
			if err != nil {
				return err
			}
			c.AdvertiseAddr = addr
		}
	}
	if c.AdvertiseAddr.IsUnspecified() {
		return b.errAt("advertise_addr", "must be a reachable address, got %s", c.AdvertiseAddr)
	}
	if !c.AdvertiseAddrWAN.IsValid() {
		c.AdvertiseAddrWAN = c.AdvertiseAddr
	}
	return nil
}

// discoverAdvertise picks the host's single usable address of the bind
// address's family.
func (b *builder) discoverAdvertise(opts Options, ipv4 bool) (netip.Addr, error) {
	family := "IPv6"
	if ipv4 {
		family = "IPv4"
	}
	list := opts.InterfaceAddrs
	if list == nil {
		list = interfaceAddrs
	}
	addrs, err := list()
	if err != nil {
		return netip.Addr{}, b.errAt("bind_addr", "cannot list network interfaces (%v); set advertise_addr", err)
	}
	var found []netip.Addr
	for _, a := range addrs {
		a = a.Unmap()
		if a.Is4() == ipv4 && a.IsGlobalUnicast() && !a.IsLinkLocalUnicast() {
			found = append(found, a)
		}
	}
	switch len(found) {
	case 0:
		return netip.Addr{}, b.errAt("bind_addr", "no private %s address found; set advertise_addr", family)
	case 1:
		return found[0], nil
	}
	return netip.Addr{}, b.errAt("bind_addr", "multiple private %s addresses found; set advertise_addr", family)
}

// interfaceAddrs lists the addresses of the host's network interfaces.
func interfaceAddrs() ([]netip.Addr, error) {
	nets, err := net.InterfaceAddrs()
	if err != nil {
		return nil, err
	}
	var out []netip.Addr
	for _, n := range nets {
		if ipn, ok := n.(*net.IPNet); ok {
			if a, ok := netip.AddrFromSlice(ipn.IP); ok {
				out = append(out, a)
			}
		}
	}
	return out, nil
}

// finishJoin gives join entries without a port the default serf port.
func (b *builder) finishJoin(Options) error {
	c := &b.c
	c.RetryJoin = withDefaultPort(b.retryJoin, c.Ports.SerfLAN, DefaultSerfLANPort)
	c.RetryJoinWAN = withDefaultPort(b.retryJoinWAN, c.Ports.SerfWAN, DefaultSerfWANPort)
	return nil
}

// withDefaultPort returns list with Port 0 replaced by port, or by
// fallback when port is itself 0 (pick a free one) or -1.
func withDefaultPort(list []HostPort, port, fallback int) []HostPort {
	if port <= 0 {
		port = fallback
	}
	out := make([]HostPort, len(list))
	for i, hp := range list {
		if hp.Port == 0 {
			hp.Port = port
		}
		out[i] = hp
	}
	return out
}

// finishPorts checks that no two enabled listeners share a fixed port.
func (b *builder) finishPorts(Options) error {
	p := b.c.Ports
	ports := []struct {
		key  string
		port int
	}{
		{"ports.http", p.HTTP}, {"ports.https", p.HTTPS}, {"ports.dns", p.DNS},
		{"ports.serf_lan", p.SerfLAN}, {"ports.serf_wan", p.SerfWAN},
		{"ports.server", p.Server}, {"ports.grpc", p.GRPC}, {"ports.grpc_tls", p.GRPCTLS},
	}
	usedBy := map[int]string{}
	for _, e := range ports {
		if e.port <= 0 {
			continue
		}
		if other, ok := usedBy[e.port]; ok {
			key := e.key
			if !b.set(key) {
				key = other
			}
			return b.errAt(key, "port %d is used by both %s and %s", e.port, other, e.key)
		}
		usedBy[e.port] = e.key
	}
	return nil
}
