package core

import (
	"cmp"
	"net"
	"strconv"

	"github.com/cairn-sd/cairn/netsim"
	"github.com/cairn-sd/cairn/raft"
	"github.com/cairn-sd/cairn/swim"
	swimdriver "github.com/cairn-sd/cairn/swim/driver"
)

// Gossip tags an agent carries in the LAN pool, as Consul's agents do:
// other agents find the servers, their datacenter and their RPC port
// through them, and servers count each other for bootstrap_expect.
const (
	tagRole       = "role"
	tagRoleServer = "consul"
	tagRoleClient = "node"
	tagDatacenter = "dc"
	tagID         = "id"
	tagPort       = "port"
	tagExpect     = "expect"
	tagVersion    = "vsn"
)

// GossipConfig puts the agent in its datacenter's LAN pool (swim).
type GossipConfig struct {
	// Port is the serf_lan port for datagrams and streams; 0 picks one.
	Port int
	// RetryJoin lists host:port addresses of pool members to join
	// through, retried until one answers.
	RetryJoin []string
	// EncryptKey is the base64 gossip key (Consul's encrypt), used until
	// a keyring file exists in the data dir.
	EncryptKey string
	// Swim holds the protocol's timing; zero means swim.LANConfig().
	Swim swim.Config
	// OnUserEvent, if set, receives each user event the pool delivers
	// (Consul's /v1/event), on the loop.
	OnUserEvent func(swim.UserEvent)
	// KeyringFile is where the pool's keyring is kept on the Env's disk;
	// empty means the LAN pool's "serf/local.keyring".
	KeyringFile string
	// AdvertiseHost is the host other members reach this agent at
	// (advertise_addr or advertise_addr_wan); empty means the bound one.
	AdvertiseHost string
}

// pool is an agent's membership of the LAN pool; servers and clients
// share its operations. A nil node means the agent gossips with nobody.
type pool struct {
	node *swimdriver.Node
}

// joinPool starts this agent's member of the LAN pool.
func joinPool(env netsim.Env, g *GossipConfig, name string, tags swim.Tags, onEvent func(swim.Event)) (pool, error) {
	sc := g.Swim
	if sc.ProbeInterval == 0 {
		sc = swim.LANConfig()
	}
	sc.Name, sc.Tags = name, tags
	node, err := swimdriver.Start(env, swimdriver.Config{
		Swim: sc, Port: g.Port, KeyringFile: cmp.Or(g.KeyringFile, "serf/local.keyring"), EncryptKey: g.EncryptKey,
		RetryJoin: g.RetryJoin, OnEvent: onEvent, OnUserEvent: g.OnUserEvent, AdvertiseHost: g.AdvertiseHost,
	})
	if err != nil {
		return pool{}, err
	}
	return pool{node: node}, nil
}

// Members returns the LAN pool as this agent sees it, nil without gossip.
func (p pool) Members() []swim.NodeInfo {
	if p.node == nil {
		return nil
	}
	return p.node.Member().Members()
}

// Join asks the pool at addrs to take this agent in.
func (p pool) Join(addrs []string) error {
	if p.node == nil {
		return ErrNoGossip
	}
	return p.node.Join(addrs)
}

// GossipAddr is the address of this agent in the LAN pool.
func (p pool) GossipAddr() string {
	if p.node == nil {
		return ""
	}
	return p.node.Addr()
}

// FireEvent broadcasts a user event to the pool; this agent receives it
// too.
func (p pool) FireEvent(name string, payload []byte) error {
	if p.node == nil {
		return ErrNoGossip
	}
	return p.node.UserEvent(name, payload)
}

// NodeCoordinate returns the network coordinate this agent last heard
// for node (its own included).
func (p pool) NodeCoordinate(node string) (swim.Coordinate, bool) {
	if p.node == nil {
		return swim.Coordinate{}, false
	}
	return p.node.Member().NodeCoordinate(node)
}

// ForceLeave declares a failed member gone for good (see
// swim.Member.ForceLeave); the leader then deregisters it, and removes it
// from Raft if it is a server.
func (p pool) ForceLeave(name string, prune bool) error {
	if p.node == nil {
		return ErrNoGossip
	}
	return p.node.ForceLeave(name, prune)
}

// leave leaves the pool gracefully.
func (p pool) leave() error {
	if p.node == nil {
		return ErrNoGossip
	}
	return p.node.Leave()
}

// stop stops gossiping without a goodbye.
func (p pool) stop() {
	if p.node != nil {
		p.node.Stop()
	}
}

// serverTags are the tags a server carries: Consul's, so that its clients
// (and Consul's tools) recognise it.
func (s *Server) serverTags() swim.Tags {
	_, raftPort, _ := net.SplitHostPort(s.addr)
	return swim.Tags{
		tagRole: tagRoleServer, tagDatacenter: s.cfg.Datacenter, tagID: string(s.cfg.ID),
		tagPort: raftPort, tagExpect: strconv.Itoa(s.cfg.BootstrapExpect), tagVersion: "1",
	}
}

// onMemberEvent reacts to a change in the pool: a fresh server may now see
// enough servers to bootstrap, and a leader mirrors the change into the
// catalog.
func (s *Server) onMemberEvent(ev swim.Event) {
	if s.stopped {
		return
	}
	s.maybeBootstrap()
	if s.isLeader() {
		s.reconcileMember(ev.Node)
	}
}

// Leave leaves the pool gracefully. A leader first hands its leadership
// to another voter, so that the cluster does not wait for an election.
func (s *Server) Leave() error {
	if s.node == nil {
		return ErrNoGossip
	}
	if s.isLeader() {
		for _, sv := range s.raft.Configuration().Servers {
			if sv.ID != s.cfg.ID && sv.Suffrage == raft.Voter {
				if err := s.raft.TransferLeadership(sv.ID); err == nil {
					break
				}
			}
		}
	}
	if s.wan.node != nil {
		s.wan.leave()
	}
	return s.leave()
}

// serverOf describes a pool member as a Raft server if it is a server of
// the datacenter dc.
func serverOf(m swim.NodeInfo, dc string) (raft.Server, bool) {
	if m.Tags[tagRole] != tagRoleServer || m.Tags[tagDatacenter] != dc || m.Tags[tagID] == "" {
		return raft.Server{}, false
	}
	host, _, err := net.SplitHostPort(m.Addr)
	if err != nil || m.Tags[tagPort] == "" {
		return raft.Server{}, false
	}
	return raft.Server{ID: raft.ServerID(m.Tags[tagID]), Address: net.JoinHostPort(host, m.Tags[tagPort])}, true
}

// serverOf describes a pool member as a Raft server of this datacenter.
func (s *Server) serverOf(m swim.NodeInfo) (raft.Server, bool) { return serverOf(m, s.cfg.Datacenter) }
