package core

import (
	"slices"
	"strings"

	"github.com/cairn-sd/cairn/catalog"
)

// consulServiceID is the service every Consul server registers for
// itself; anti-entropy leaves it alone, as Consul's does.
const consulServiceID = "consul"

// diff returns the commands that make the catalog's entry ns equal to the
// local state, in a fixed order (see antientropy.go).
func (l *Local) diff(ns NodeState) []catalog.Command {
	var cmds []catalog.Command
	now := catalog.TimestampOf(l.env.Now())
	node := l.cfg.Node
	if ns.Node == nil || !catalog.SameNode(ns.Node, &node) {
		cmds = append(cmds, l.register(now))
	}
	remoteSvc := map[string]*catalog.Service{}
	for _, s := range ns.Services {
		remoteSvc[s.ID] = s
	}
	remoteChk := map[string]*catalog.HealthCheck{}
	for _, c := range ns.Checks {
		remoteChk[c.CheckID] = c
	}
	sent := map[string]bool{}
	for _, svc := range l.Services() {
		if r := remoteSvc[svc.ID]; r != nil && catalog.SameService(r, &svc) {
			continue
		}
		reg := l.register(now)
		reg.Service = &svc
		for _, c := range l.Checks() {
			if c.ServiceID == svc.ID {
				reg.Checks = append(reg.Checks, &c)
				sent[c.CheckID] = true
			}
		}
		cmds = append(cmds, reg)
	}
	for _, c := range l.Checks() {
		if r := remoteChk[c.CheckID]; sent[c.CheckID] || r != nil && catalog.SameCheck(r, &c) {
			continue
		}
		reg := l.register(now)
		reg.Check = &c
		cmds = append(cmds, reg)
	}
	return append(cmds, l.stale(ns, now)...)
}

// stale returns the deregistrations of what the catalog holds for this
// node beyond the local state, services first, in ID order.
func (l *Local) stale(ns NodeState, now catalog.Timestamp) []catalog.Command {
	var cmds []catalog.Command
	gone := map[string]bool{}
	svcs := slices.Clone(ns.Services)
	slices.SortFunc(svcs, func(a, b *catalog.Service) int { return strings.Compare(a.ID, b.ID) })
	for _, s := range svcs {
		if l.services[s.ID] == nil && s.ID != consulServiceID {
			gone[s.ID] = true
			cmds = append(cmds, &catalog.DeregisterRequest{Node: l.cfg.Node.Node, ServiceID: s.ID, Now: now})
		}
	}
	checks := slices.Clone(ns.Checks)
	slices.SortFunc(checks, func(a, b *catalog.HealthCheck) int { return strings.Compare(a.CheckID, b.CheckID) })
	for _, c := range checks {
		if l.checks[c.CheckID] == nil && c.CheckID != serfHealthCheckID && !gone[c.ServiceID] {
			cmds = append(cmds, &catalog.DeregisterRequest{Node: l.cfg.Node.Node, CheckID: c.CheckID, Now: now})
		}
	}
	return cmds
}

// register is a registration of this node, to which a service or check is
// added.
func (l *Local) register(now catalog.Timestamp) *catalog.RegisterRequest {
	n := l.cfg.Node
	return &catalog.RegisterRequest{
		ID: n.ID, Node: n.Node, Address: n.Address, Datacenter: n.Datacenter,
		TaggedAddresses: n.TaggedAddresses, NodeMeta: n.Meta, Now: now,
	}
}
