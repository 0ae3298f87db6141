package catalog

import "strings"

// Check states, as Consul names them.
const (
	HealthPassing  = "passing"
	HealthWarning  = "warning"
	HealthCritical = "critical"
	// HealthMaintenance is not a check's Status but an aggregate: a node or
	// service in maintenance carries a critical maintenance check.
	HealthMaintenance = "maintenance"
	// HealthAny selects checks in every state in ChecksInState.
	HealthAny = "any"
)

// Maintenance checks, registered by the agent when an operator puts a node
// or a service into maintenance mode.
const (
	NodeMaintenanceCheckID          = "_node_maintenance"
	ServiceMaintenanceCheckIDPrefix = "_service_maintenance:"
)

func validStatus(s string) bool {
	return s == HealthPassing || s == HealthWarning || s == HealthCritical
}

// AggregatedStatus folds checks into one state as Consul's API client (and
// so Prometheus' __meta_consul_health) does: maintenance beats critical
// beats warning beats passing. A maintenance check is one with CheckID
// _node_maintenance or a CheckID that starts with _service_maintenance:. No
// checks at all is passing. A non-maintenance check whose Status is not
// passing, warning or critical makes the whole answer "".
func AggregatedStatus(checks []*HealthCheck) string {
	var warning, critical, maintenance bool
	for _, c := range checks {
		if c.CheckID == NodeMaintenanceCheckID || strings.HasPrefix(c.CheckID, ServiceMaintenanceCheckIDPrefix) {
			maintenance = true
			continue
		}
		switch c.Status {
		case HealthPassing:
		case HealthWarning:
			warning = true
		case HealthCritical:
			critical = true
		default:
			return ""
		}
	}
	switch {
	case maintenance:
		return HealthMaintenance
	case critical:
		return HealthCritical
	case warning:
		return HealthWarning
	default:
		return HealthPassing
	}
}

// CheckServiceNode is one row of the health view of a service (Consul's
// /v1/health/service/<name>): the node, the instance, and the node-level
// checks of the node followed by the instance's own checks.
type CheckServiceNode struct {
	Node    *Node
	Service *Service
	Checks  []*HealthCheck
}

// CheckServiceNodes returns the health view of the service name: one entry
// per instance that carries all of q.Tags, whose node carries q.NodeMeta,
// and that matches q.Filter (Service.Meta.version == "2",
// "web" in Service.Tags, Node.Meta.rack == "a",
// any Checks as c { c.Status == "critical" }). With
// q.PassingOnly, an entry with any check not passing is left out, as
// Consul's ?passing does.
func (s *State) CheckServiceNodes(ws *WatchSet, name string, q Query) (uint64, []*CheckServiceNode, error) {
	f, err := compileFilter(q.Filter, CheckServiceNode{})
	if err != nil {
		return 0, nil, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	s.watch(ws, watchKey{kind: watchService, name: name})
	nodes, svcs := s.instances(name, q.Tags, q.NodeMeta)
	var all []*CheckServiceNode
	for i, svc := range svcs {
		e := &CheckServiceNode{Node: nodes[i], Service: svc, Checks: s.instanceChecks(nodes[i].Node, svc.ID)}
		if !q.PassingOnly || allPassing(e.Checks) {
			all = append(all, e)
		}
	}
	out, err := filterRows(f, all)
	if err != nil {
		return 0, nil, err
	}
	return s.serviceIndex(name), out, nil
}

// instanceChecks returns the node-level checks of node, then the checks of
// its instance id, each group in CheckID order.
func (s *State) instanceChecks(node, id string) []*HealthCheck {
	all := s.nodeChecks(node)
	out := make([]*HealthCheck, 0, len(all))
	for _, c := range all {
		if c.ServiceID == "" {
			out = append(out, c)
		}
	}
	for _, c := range all {
		if c.ServiceID == id {
			out = append(out, c)
		}
	}
	return out
}

func allPassing(checks []*HealthCheck) bool {
	for _, c := range checks {
		if c.Status != HealthPassing {
			return false
		}
	}
	return true
}
