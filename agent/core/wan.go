package core

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/cairn-sd/cairn/swim"
)

// The WAN pool joins the servers of every datacenter, as Consul's does:
// each server is a member named "<node>.<datacenter>" with the same tags
// it carries in its LAN pool. Through it a server finds the servers of
// another datacenter, and a request for that datacenter (?dc=) travels to
// one of them (chosen at random among the live ones, another tried when
// one fails, as a client's request does in its own datacenter), which
// serves it as a local request: forwarding to its own leader if needed.
// Nothing but requests crosses the WAN: catalogs, KV and sessions stay in
// their datacenter.

// ErrNoPath answers a request for a datacenter no server knows of.
var ErrNoPath = errors.New("No path to datacenter")

// methodForwardDC carries a client's request for another datacenter to a
// server of its own, which sends it across the WAN.
const methodForwardDC = "Server.ForwardDC"

// forwardDC is the body of methodForwardDC.
type forwardDC struct {
	Datacenter string
	Method     string
	Body       []byte
	TimeoutNS  int64
	Read       bool
}

// startWAN joins the WAN pool.
func (s *Server) startWAN(cfg *GossipConfig) error {
	g := *cfg
	g.KeyringFile = cmp.Or(g.KeyringFile, "serf/remote.keyring")
	if g.Swim.ProbeInterval == 0 {
		g.Swim = swim.WANConfig()
	}
	p, err := joinPool(s.env, &g, s.wanName(), s.serverTags(), nil)
	if err != nil {
		return fmt.Errorf("core: join the WAN pool: %w", err)
	}
	s.wan = p
	return nil
}

// wanName is this server's name in the WAN pool.
func (s *Server) wanName() string { return s.cfg.NodeName + "." + s.cfg.Datacenter }

// WAN is this server's membership of the WAN pool (its zero value when
// the server has none).
func (s *Server) WAN() WANPool { return WANPool{s.wan} }

// WANPool offers the WAN pool's operations under their own names.
type WANPool struct{ p pool }

// Members returns the WAN pool as this server sees it.
func (w WANPool) Members() []swim.NodeInfo { return w.p.Members() }

// Join asks the WAN pool at addrs to take this server in.
func (w WANPool) Join(addrs []string) error { return w.p.Join(addrs) }

// NodeCoordinate returns the WAN coordinate this server last heard for
// the member named node (<node>.<datacenter>).
func (w WANPool) NodeCoordinate(node string) (swim.Coordinate, bool) { return w.p.NodeCoordinate(node) }

// Addr is this server's address in the WAN pool.
func (w WANPool) Addr() string { return w.p.GossipAddr() }

// Datacenters lists every datacenter the WAN pool shows a server of, this
// one included, nearest first by the median estimated round trip to its
// servers (then by name).
func (s *Server) Datacenters() []string {
	rtts := map[string][]time.Duration{s.cfg.Datacenter: {0}}
	for _, m := range s.wan.Members() {
		dc := m.Tags[tagDatacenter]
		if m.Tags[tagRole] != tagRoleServer || dc == "" {
			continue
		}
		d, ok := s.wan.node.Member().DistanceTo(s.wanName(), m.Name)
		if !ok {
			d = time.Hour
		}
		rtts[dc] = append(rtts[dc], d)
	}
	dcs := make([]string, 0, len(rtts))
	median := map[string]time.Duration{}
	for dc, ds := range rtts {
		slices.Sort(ds)
		median[dc] = ds[len(ds)/2]
		dcs = append(dcs, dc)
	}
	slices.SortFunc(dcs, func(a, b string) int { return cmp.Or(cmp.Compare(median[a], median[b]), cmp.Compare(a, b)) })
	return dcs
}

// knowsDatacenter reports whether the WAN pool has ever shown a server of dc.
func (s *Server) knowsDatacenter(dc string) bool {
	return slices.ContainsFunc(s.wan.Members(), func(m swim.NodeInfo) bool {
		return m.Tags[tagRole] == tagRoleServer && m.Tags[tagDatacenter] == dc
	})
}

// CallDatacenter sends method(body) to a server of datacenter dc (see
// route.go for the retries); dc must not be this server's own.
func (s *Server) CallDatacenter(dc, method string, body []byte, timeout time.Duration, read bool, done func([]byte, error)) {
	if s.stopped {
		done(nil, ErrStopped)
		return
	}
	if !s.knowsDatacenter(dc) {
		done(nil, ErrNoPath)
		return
	}
	r := &route{env: s.env, rpc: s.rpcClient,
		pick: func(tried map[string]bool) string {
			live := liveServers(s.wan.Members(), dc, tried)
			if len(live) == 0 {
				return ""
			}
			return live[s.env.Rand().IntN(len(live))]
		},
		answered: func(string, bool) {}, stopped: func() bool { return s.stopped },
		method: method, body: body, timeout: timeout, read: read,
		deadline: s.env.Now().Add(s.holdTimeout()), tried: map[string]bool{}, done: done}
	r.next()
}

// holdTimeout is how long a cross-datacenter request keeps trying.
func (s *Server) holdTimeout() time.Duration { return cmp.Or(s.cfg.HoldTimeout, DefaultHoldTimeout) }

// registerForwardDC serves methodForwardDC: a client's request for
// another datacenter.
func (s *Server) registerForwardDC() {
	s.rpcServer.Register(methodForwardDC, func(body []byte, reply func([]byte, error)) {
		var f forwardDC
		if err := json.Unmarshal(body, &f); err != nil {
			reply(nil, fmt.Errorf("core: bad cross-datacenter request: %w", err))
			return
		}
		s.CallDatacenter(f.Datacenter, f.Method, f.Body, time.Duration(f.TimeoutNS), f.Read, reply)
	})
}

// CallDatacenter sends method(body) to a server of datacenter dc: through
// this client's server, which forwards it across the WAN. For the
// client's own datacenter it is Call.
func (c *Client) CallDatacenter(dc, method string, body []byte, timeout time.Duration, read bool, done func([]byte, error)) {
	if dc == c.cfg.Datacenter {
		c.Call(method, body, timeout, read, done)
		return
	}
	b, err := json.Marshal(forwardDC{Datacenter: dc, Method: method, Body: body, TimeoutNS: int64(timeout), Read: read})
	if err != nil {
		done(nil, fmt.Errorf("core: encode cross-datacenter request: %w", err))
		return
	}
	c.Call(methodForwardDC, b, timeout+c.cfg.HoldTimeout, read, func(resp []byte, err error) {
		if isRemote(err, ErrNoPath) {
			err = ErrNoPath
		}
		done(resp, err)
	})
}
