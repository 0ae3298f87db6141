package runtime

import (
	"errors"
	"fmt"
	"maps"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/cairn-sd/cairn/acl"
	"github.com/cairn-sd/cairn/swim"
)

// The /v1/agent endpoints that describe the agent and its pool. Those that
// act on the agent's own services and checks are in agentlocal.go.

// agentSelfView is the answer of /v1/agent/self.
type agentSelfView struct {
	Config agentConfigView
	Member member
	Meta   map[string]string
	Stats  map[string]map[string]string
}

// agentConfigView is the Config object of /v1/agent/self; Prometheus reads
// its Datacenter.
type agentConfigView struct {
	Datacenter        string
	PrimaryDatacenter string
	NodeName          string
	NodeID            string
	Server            bool
	Revision          string
	Version           string
}

// member is one entry of /v1/agent/members, in Consul's (serf's) shape.
type member struct {
	Name        string
	Addr        string
	Port        int
	Tags        map[string]string
	Status      int
	ProtocolMin uint8
	ProtocolMax uint8
	ProtocolCur uint8
	DelegateMin uint8
	DelegateMax uint8
	DelegateCur uint8
}

// memberAlive is serf's status code of a live member.
const memberAlive = 1

// self describes this agent as a gossip member would.
func (a *Agent) self() member {
	tags := map[string]string{
		"role": "node", "dc": a.cfg.Datacenter, "id": a.nodeID, "build": a.opts.Version,
		"vsn": "2", "vsn_min": "2", "vsn_max": "3", "acls": "0", "segment": "",
	}
	if a.cfg.Server {
		tags["role"], tags["port"], tags["raft_vsn"] = "consul", strconv.Itoa(a.serverPort), "3"
		tags["expect"] = strconv.Itoa(max(a.cfg.BootstrapExpect, 1))
	}
	return member{
		Name: a.cfg.NodeName, Addr: a.cfg.AdvertiseAddr.String(), Port: a.cfg.Ports.SerfLAN,
		Tags:        tags,
		Status:      memberAlive,
		ProtocolMin: 1, ProtocolMax: 5, ProtocolCur: 2,
		DelegateMin: 2, DelegateMax: 5, DelegateCur: 4,
	}
}

// agentSelf serves GET /v1/agent/self.
func (a *Agent) agentSelf(w http.ResponseWriter, r *http.Request, _ string) error {
	var raftStats map[string]string
	if !a.env.Do(func() {
		if a.server == nil {
			return
		}
		st := a.server.Status()
		raftStats = map[string]string{
			"state": st.Role.String(), "term": strconv.FormatUint(st.HardState.Term, 10),
			"commit_index":   strconv.FormatUint(st.HardState.Commit, 10),
			"applied_index":  strconv.FormatUint(st.Applied, 10),
			"last_log_index": strconv.FormatUint(st.LastIndex, 10),
		}
	}) {
		return errShuttingDown
	}
	meta := a.cfg.NodeMeta
	if meta == nil {
		meta = map[string]string{}
	}
	writeJSON(w, r, agentSelfView{
		Config: agentConfigView{
			Datacenter: a.cfg.Datacenter, PrimaryDatacenter: a.cfg.PrimaryDatacenter,
			NodeName: a.cfg.NodeName, NodeID: a.nodeID, Server: a.cfg.Server, Version: a.opts.Version,
		},
		Member: a.self(),
		Meta:   meta,
		Stats: map[string]map[string]string{
			"consul": {"server": strconv.FormatBool(a.cfg.Server), "known_datacenters": "1"},
			"raft":   raftStats,
		},
	})
	return nil
}

// errNotServer refuses a WAN operation on a client agent.
var errNotServer = &httpError{http.StatusInternalServerError, "this agent is not a server: only servers are members of the WAN pool"}

// agentMembers serves GET /v1/agent/members (?wan=1: the WAN pool, whose
// members are named <node>.<datacenter>); this node alone without gossip.
func (a *Agent) agentMembers(w http.ResponseWriter, r *http.Request, _ string) error {
	wan := r.URL.Query().Has("wan") && r.URL.Query().Get("wan") != "0"
	if wan && a.server == nil {
		return errNotServer
	}
	var nodes []swim.NodeInfo
	if !a.env.Do(func() {
		if wan {
			nodes = a.server.WAN().Members()
		} else {
			nodes = a.member.Members()
		}
	}) {
		return errShuttingDown
	}
	if len(nodes) == 0 {
		writeJSON(w, r, []member{a.self()})
		return nil
	}
	slices.SortFunc(nodes, func(x, y swim.NodeInfo) int { return strings.Compare(x.Name, y.Name) })
	out := make([]member, 0, len(nodes))
	for _, n := range nodes {
		if authz(r).NodeRead(strings.Split(n.Name, ".")[0]) == acl.Allow {
			out = append(out, a.memberOf(n))
		}
	}
	writeJSON(w, r, out)
	return nil
}

// memberStatus maps a gossip state to serf's status codes (1 alive,
// 3 left, 4 failed), which Consul's API and CLI show.
func memberStatus(s swim.State) int {
	switch s {
	case swim.StateLeft:
		return 3
	case swim.StateDead:
		return 4
	}
	return memberAlive
}

// memberOf describes a pool member in Consul's member JSON.
func (a *Agent) memberOf(n swim.NodeInfo) member {
	m := a.self()
	m.Name, m.Status, m.Tags = n.Name, memberStatus(n.State), map[string]string{}
	host, port, err := net.SplitHostPort(n.Addr)
	if err == nil {
		m.Addr = host
		m.Port, _ = strconv.Atoi(port)
	}
	for _, k := range []string{"build", "vsn", "vsn_min", "vsn_max", "segment", "acls"} {
		m.Tags[k] = a.self().Tags[k]
	}
	maps.Copy(m.Tags, n.Tags)
	return m
}

// agentJoin serves PUT /v1/agent/join/<address>: join the LAN pool (the
// WAN pool with ?wan=1) through a member at address (host or host:port,
// default port serf_lan or serf_wan).
func (a *Agent) agentJoin(w http.ResponseWriter, r *http.Request, addr string) error {
	wan := r.URL.Query().Has("wan") && r.URL.Query().Get("wan") != "0"
	if wan && a.server == nil {
		return errNotServer
	}
	if addr == "" {
		return &httpError{http.StatusBadRequest, "missing address to join"}
	}
	port := a.cfg.Ports.SerfLAN
	if wan {
		port = a.cfg.Ports.SerfWAN
	}
	if _, _, err := net.SplitHostPort(addr); err != nil {
		addr = net.JoinHostPort(addr, strconv.Itoa(port))
	}
	var err error
	if !a.env.Do(func() {
		if wan {
			err = a.server.WAN().Join([]string{addr})
		} else {
			err = a.member.Join([]string{addr})
		}
	}) {
		return errShuttingDown
	}
	if err != nil {
		return fmt.Errorf("join %s: %w", addr, err)
	}
	return nil
}

// agentForceLeave serves PUT /v1/agent/force-leave/<node>[?prune]: a
// failed member is declared gone for good (it leaves the catalog, and
// Raft if it is a server). An alive member is refused: it would refute.
func (a *Agent) agentForceLeave(w http.ResponseWriter, r *http.Request, node string) error {
	if node == "" {
		return badRequest("Missing node name")
	}
	prune := r.URL.Query().Has("prune")
	var err error
	if !a.env.Do(func() { err = a.member.ForceLeave(node, prune) }) {
		return errShuttingDown
	}
	switch {
	case errors.Is(err, swim.ErrUnknownMember):
		return notFound("No node found with name %q", node)
	case errors.Is(err, swim.ErrNotFailed):
		return badRequest("Node %q is alive: force-leave removes failed nodes only", node)
	}
	return err
}
