package core

import (
	"net"
	"strconv"

	"github.com/cairn-sd/cairn/raft"
	"github.com/cairn-sd/cairn/swim"
	swimdriver "github.com/cairn-sd/cairn/swim/driver"
)

// Gossip tags a server carries in the LAN pool, as Consul's servers do:
// other agents find the servers, their datacenter and their RPC port
// through them, and servers count each other for bootstrap_expect.
const (
	tagRole       = "role"
	tagRoleServer = "consul"
	tagDatacenter = "dc"
	tagID         = "id"
	tagPort       = "port"
	tagExpect     = "expect"
	tagVersion    = "vsn"
)

// GossipConfig puts the server in its datacenter's LAN pool (swim).
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
}

// startGossip joins the LAN pool with the server's tags.
func (s *Server) startGossip(g *GossipConfig) error {
	sc := g.Swim
	if sc.ProbeInterval == 0 {
		sc = swim.LANConfig()
	}
	sc.Name = s.cfg.NodeName
	_, raftPort, _ := net.SplitHostPort(s.addr)
	sc.Tags = swim.Tags{
		tagRole: tagRoleServer, tagDatacenter: s.cfg.Datacenter, tagID: string(s.cfg.ID),
		tagPort: raftPort, tagExpect: strconv.Itoa(s.cfg.BootstrapExpect), tagVersion: "1",
	}
	node, err := swimdriver.Start(s.env, swimdriver.Config{
		Swim: sc, Port: g.Port, KeyringFile: "serf/local.keyring", EncryptKey: g.EncryptKey,
		RetryJoin: g.RetryJoin, OnEvent: s.onMemberEvent,
	})
	if err != nil {
		return err
	}
	s.gossip = node
	return nil
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

// Members returns the LAN pool as this server sees it, nil without gossip.
func (s *Server) Members() []swim.NodeInfo {
	if s.gossip == nil {
		return nil
	}
	return s.gossip.Member().Members()
}

// Join asks the pool at addrs to take this server in.
func (s *Server) Join(addrs []string) error {
	if s.gossip == nil {
		return ErrNoGossip
	}
	return s.gossip.Join(addrs)
}

// Leave leaves the pool gracefully. A leader first hands its leadership
// to another voter, so that the cluster does not wait for an election.
func (s *Server) Leave() error {
	if s.gossip == nil {
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
	return s.gossip.Leave()
}

// GossipAddr is the address of this server in the LAN pool.
func (s *Server) GossipAddr() string {
	if s.gossip == nil {
		return ""
	}
	return s.gossip.Addr()
}

// serverOf describes a pool member as a Raft server if it is a server of
// this datacenter.
func (s *Server) serverOf(m swim.NodeInfo) (raft.Server, bool) {
	if m.Tags[tagRole] != tagRoleServer || m.Tags[tagDatacenter] != s.cfg.Datacenter || m.Tags[tagID] == "" {
		return raft.Server{}, false
	}
	host, _, err := net.SplitHostPort(m.Addr)
	if err != nil || m.Tags[tagPort] == "" {
		return raft.Server{}, false
	}
	return raft.Server{ID: raft.ServerID(m.Tags[tagID]), Address: net.JoinHostPort(host, m.Tags[tagPort])}, true
}
