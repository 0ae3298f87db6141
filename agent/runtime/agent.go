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

	"github.com/cairn-sd/cairn/catalog"
	"github.com/cairn-sd/cairn/swim"
)

// The /v1/agent endpoints. In Consul they act on the agent's local state,
// which anti-entropy then syncs to the catalog. That layer is not built
// yet: here the endpoints read this node's entries from the catalog and
// write to it directly through Raft, which is the same outcome on a single
// server agent.

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
	return member{
		Name: a.cfg.NodeName, Addr: a.cfg.AdvertiseAddr.String(), Port: a.cfg.Ports.SerfLAN,
		Tags: map[string]string{
			"role": "consul", "dc": a.cfg.Datacenter, "id": a.nodeID,
			"port": strconv.Itoa(a.serverPort), "build": a.opts.Version,
			"expect": strconv.Itoa(max(a.cfg.BootstrapExpect, 1)), "raft_vsn": "3",
			"vsn": "2", "vsn_min": "2", "vsn_max": "3", "acls": "0", "segment": "",
		},
		Status:      memberAlive,
		ProtocolMin: 1, ProtocolMax: 5, ProtocolCur: 2,
		DelegateMin: 2, DelegateMax: 5, DelegateCur: 4,
	}
}

// agentSelf serves GET /v1/agent/self.
func (a *Agent) agentSelf(w http.ResponseWriter, r *http.Request, _ string) error {
	var raftStats map[string]string
	if !a.env.Do(func() {
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

// agentMembers serves GET /v1/agent/members: this node alone until the
// gossip pool exists.
func (a *Agent) agentMembers(w http.ResponseWriter, r *http.Request, _ string) error {
	if r.URL.Query().Has("wan") {
		return &httpError{http.StatusInternalServerError, "the WAN pool is not built yet"}
	}
	var nodes []swim.NodeInfo
	if !a.env.Do(func() { nodes = a.server.Members() }) {
		return errShuttingDown
	}
	if len(nodes) == 0 {
		writeJSON(w, r, []member{a.self()})
		return nil
	}
	slices.SortFunc(nodes, func(x, y swim.NodeInfo) int { return strings.Compare(x.Name, y.Name) })
	out := make([]member, 0, len(nodes))
	for _, n := range nodes {
		out = append(out, a.memberOf(n))
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
	maps.Copy(m.Tags, a.self().Tags)
	maps.Copy(m.Tags, n.Tags)
	return m
}

// agentJoin serves PUT /v1/agent/join/<address>: join the LAN pool through
// a member at address (host or host:port, default port serf_lan).
func (a *Agent) agentJoin(w http.ResponseWriter, r *http.Request, addr string) error {
	if r.URL.Query().Has("wan") {
		return &httpError{http.StatusInternalServerError, "the WAN pool is not built yet"}
	}
	if addr == "" {
		return &httpError{http.StatusBadRequest, "missing address to join"}
	}
	if _, _, err := net.SplitHostPort(addr); err != nil {
		addr = net.JoinHostPort(addr, strconv.Itoa(a.cfg.Ports.SerfLAN))
	}
	var err error
	if !a.env.Do(func() { err = a.server.Join([]string{addr}) }) {
		return errShuttingDown
	}
	if err != nil {
		return fmt.Errorf("join %s: %w", addr, err)
	}
	return nil
}

// agentServices serves GET /v1/agent/services: this node's services by ID.
func (a *Agent) agentServices(w http.ResponseWriter, r *http.Request, _ string) error {
	_, ns := a.server.Catalog().GetNode(nil, a.cfg.NodeName)
	out := map[string]*catalog.Service{}
	if ns != nil {
		for _, svc := range ns.Services {
			out[svc.ID] = svc
		}
	}
	writeJSON(w, r, out)
	return nil
}

// agentChecks serves GET /v1/agent/checks: this node's checks by ID.
func (a *Agent) agentChecks(w http.ResponseWriter, r *http.Request, _ string) error {
	_, checks, err := a.server.Catalog().NodeChecks(nil, a.cfg.NodeName, catalog.Query{})
	if err != nil {
		return err
	}
	out := make(map[string]*catalog.HealthCheck, len(checks))
	for _, c := range checks {
		out[c.CheckID] = c
	}
	writeJSON(w, r, out)
	return nil
}

// agentServiceRegister serves PUT /v1/agent/service/register.
func (a *Agent) agentServiceRegister(w http.ResponseWriter, r *http.Request, _ string) error {
	b, err := readBody(r)
	if err != nil {
		return err
	}
	reg, err := decodeServiceRegistration(b)
	if err != nil {
		return err
	}
	req := reg.toRegister()
	a.fillNode(req)
	req.Now = catalog.TimestampOf(a.env.Now())
	_, err = a.apply(r.Context(), req)
	return err
}

// fillNode completes a registration of this node with the node's fields,
// so that it creates the node if needed and changes nothing otherwise.
func (a *Agent) fillNode(req *catalog.RegisterRequest) {
	req.ID, req.Node, req.Address = a.nodeID, a.cfg.NodeName, a.cfg.AdvertiseAddr.String()
	req.Datacenter, req.NodeMeta, req.TaggedAddresses = a.cfg.Datacenter, a.cfg.NodeMeta, a.cfg.TaggedAddresses
	for _, c := range req.Checks {
		c.Node = a.cfg.NodeName
	}
}

// agentServiceDeregister serves PUT /v1/agent/service/deregister/<id>.
func (a *Agent) agentServiceDeregister(w http.ResponseWriter, r *http.Request, id string) error {
	if id == "" {
		return badRequest("Missing service ID")
	}
	_, err := a.apply(r.Context(), &catalog.DeregisterRequest{Node: a.cfg.NodeName, ServiceID: id, Now: catalog.TimestampOf(a.env.Now())})
	if errors.Is(err, catalog.ErrServiceNotFound) || errors.Is(err, catalog.ErrNodeNotFound) {
		return notFound("Unknown service ID %q. Ensure that the service ID is passed, not the service name.", id)
	}
	return err
}

// agentCheckTTL serves PUT /v1/agent/check/{pass,warn,fail}/<id>?note=.
func (a *Agent) agentCheckTTL(status string) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request, id string) error {
		return a.updateTTLCheck(r, id, status, r.URL.Query().Get("note"))
	}
}

// checkUpdate is the body of PUT /v1/agent/check/update/<id>.
type checkUpdate struct {
	Status string
	Output string
}

// agentCheckUpdate serves PUT /v1/agent/check/update/<id>.
func (a *Agent) agentCheckUpdate(w http.ResponseWriter, r *http.Request, id string) error {
	var u checkUpdate
	if err := decodeBody(r, &u); err != nil {
		return err
	}
	switch u.Status {
	case catalog.HealthPassing, catalog.HealthWarning, catalog.HealthCritical:
	default:
		return badRequest("Invalid check status: %q", u.Status)
	}
	return a.updateTTLCheck(r, id, u.Status, u.Output)
}

// updateTTLCheck sets a TTL check of this node. TTL expiry (a check that
// is not updated in time turns critical) comes with the local check
// runner; for now the status stays as last set.
func (a *Agent) updateTTLCheck(r *http.Request, id, status, output string) error {
	_, checks, err := a.server.Catalog().NodeChecks(nil, a.cfg.NodeName, catalog.Query{})
	if err != nil {
		return err
	}
	var found *catalog.HealthCheck
	for _, c := range checks {
		if c.CheckID == id {
			found = c
		}
	}
	if found == nil {
		return notFound("Unknown check ID %q. Ensure that the check ID is passed, not the check name.", id)
	}
	if found.Type != checkTypeTTL {
		return &httpError{http.StatusInternalServerError, fmt.Sprintf("CheckID %q does not have associated TTL", id)}
	}
	_, err = a.apply(r.Context(), &catalog.UpdateCheckRequest{Node: a.cfg.NodeName, CheckID: id, Status: status, Output: output,
		Now: catalog.TimestampOf(a.env.Now())})
	if errors.Is(err, catalog.ErrCheckNotFound) {
		return notFound("Unknown check ID %q. Ensure that the check ID is passed, not the check name.", id)
	}
	return err
}
