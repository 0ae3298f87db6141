package catalog

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"time"
)

// HealthCheck is one check on a node, either node-level (ServiceID empty) or
// bound to one service instance, with the fields and names of Consul's
// HealthCheck JSON object.
type HealthCheck struct {
	Node        string
	CheckID     string
	Name        string
	Status      string
	Notes       string
	Output      string
	ServiceID   string
	ServiceName string
	ServiceTags []string
	Type        string
	Definition  HealthCheckDefinition
	CreateIndex uint64
	ModifyIndex uint64
}

// HealthCheckDefinition is how a check is run, as Consul reports it.
type HealthCheckDefinition struct {
	HTTP                           string
	Header                         map[string][]string
	Method                         string
	Body                           string
	TLSServerName                  string
	TLSSkipVerify                  bool
	TCP                            string
	UDP                            string
	GRPC                           string
	GRPCUseTLS                     bool
	OSService                      string
	Interval                       Duration
	Timeout                        Duration
	DeregisterCriticalServiceAfter Duration
}

// Duration is a time.Duration that reads and writes JSON as a Go duration
// string ("10s"), as Consul's check definitions do. It also reads a plain
// number of nanoseconds.
type Duration time.Duration

// MarshalJSON writes d as a duration string.
func (d Duration) MarshalJSON() ([]byte, error) {
	return json.Marshal(time.Duration(d).String())
}

// UnmarshalJSON reads a duration string or a number of nanoseconds.
func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		var n int64
		if err := json.Unmarshal(b, &n); err != nil {
			return fmt.Errorf("catalog: duration %s is neither a string nor an integer", b)
		}
		*d = Duration(n)
		return nil
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return fmt.Errorf("catalog: duration: %w", err)
	}
	*d = Duration(v)
	return nil
}

// SameCheck reports whether two checks carry the same data, ignoring
// indexes; anti-entropy compares an agent's checks with the catalog's by it.
func SameCheck(a, b *HealthCheck) bool {
	return a.Node == b.Node && a.CheckID == b.CheckID && a.Name == b.Name &&
		a.Status == b.Status && a.Notes == b.Notes && a.Output == b.Output &&
		a.ServiceID == b.ServiceID && a.ServiceName == b.ServiceName &&
		slices.Equal(a.ServiceTags, b.ServiceTags) && a.Type == b.Type &&
		sameDefinition(&a.Definition, &b.Definition)
}

func sameDefinition(a, b *HealthCheckDefinition) bool {
	return a.HTTP == b.HTTP && maps.EqualFunc(a.Header, b.Header, slices.Equal) &&
		a.Method == b.Method && a.Body == b.Body && a.TLSServerName == b.TLSServerName &&
		a.TLSSkipVerify == b.TLSSkipVerify && a.TCP == b.TCP && a.UDP == b.UDP &&
		a.GRPC == b.GRPC && a.GRPCUseTLS == b.GRPCUseTLS && a.OSService == b.OSService &&
		a.Interval == b.Interval && a.Timeout == b.Timeout &&
		a.DeregisterCriticalServiceAfter == b.DeregisterCriticalServiceAfter
}

// ensureCheck inserts or updates a check at index. The caller has checked
// that its node exists and, for a service check, that the instance exists.
// A critical check destroys the sessions that depend on it.
func (s *State) ensureCheck(idx uint64, c *HealthCheck) {
	key := joinKey(c.Node, c.CheckID)
	old, ok := s.db.checks.get(key)
	if ok && SameCheck(old, c) {
		return
	}
	row := *c
	row.CreateIndex, row.ModifyIndex = idx, idx
	if ok {
		row.CreateIndex = old.CreateIndex
		s.touchCheckTargets(idx, old)
	}
	s.db.checks.put(key, &row)
	s.touchTable(idx, tableChecks)
	s.touchCheckTargets(idx, &row)
	if row.Status == HealthCritical {
		s.invalidateCheckSessions(idx, row.Node, row.CheckID)
	}
}

// deleteCheck removes one check if it exists, destroying the sessions that
// depend on it.
func (s *State) deleteCheck(idx uint64, node, id string) {
	c, ok := s.db.checks.get(joinKey(node, id))
	if !ok {
		return
	}
	s.db.checks.delete(joinKey(node, id))
	s.touchTable(idx, tableChecks)
	s.touchCheckTargets(idx, c)
	s.invalidateCheckSessions(idx, node, id)
}

// touchCheckTargets marks what a change of c is visible through: its node,
// and its instance's service, or for a node-level check every service on
// the node. The instance's current name counts, not the check's copy of
// it, which an instance renamed since does not update.
func (s *State) touchCheckTargets(idx uint64, c *HealthCheck) {
	s.touchNode(idx, c.Node)
	if c.ServiceID == "" {
		s.touchServicesOnNode(idx, c.Node)
		return
	}
	if svc, ok := s.db.services.get(joinKey(c.Node, c.ServiceID)); ok {
		s.touchService(idx, svc.Service)
	}
}

// nodeChecks returns every check on node in CheckID order.
func (s *State) nodeChecks(node string) []*HealthCheck {
	var out []*HealthCheck
	for key := range s.db.checks.prefix(node + "\x00") {
		out = append(out, s.db.checks.at(key))
	}
	return out
}

// NodeChecks returns the checks on node that match q.Filter (over
// HealthCheck), in CheckID order, with the node's index.
func (s *State) NodeChecks(ws *WatchSet, node string, q Query) (uint64, []*HealthCheck, error) {
	f, err := compileFilter(q.Filter, HealthCheck{})
	if err != nil {
		return 0, nil, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	s.watch(ws, watchKey{kind: watchNode, name: node})
	out, err := filterRows(f, s.nodeChecks(node))
	if err != nil {
		return 0, nil, err
	}
	return s.nodeIndex(node), out, nil
}

// ServiceChecks returns the checks bound to instances of the service name
// whose nodes carry q.NodeMeta and that match q.Filter, in (node,
// ServiceID, CheckID) order, with the service's index.
func (s *State) ServiceChecks(ws *WatchSet, name string, q Query) (uint64, []*HealthCheck, error) {
	f, err := compileFilter(q.Filter, HealthCheck{})
	if err != nil {
		return 0, nil, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	s.watch(ws, watchKey{kind: watchService, name: name})
	nodes, svcs := s.instances(name, nil, q.NodeMeta)
	var all []*HealthCheck
	for i, svc := range svcs {
		for _, c := range s.nodeChecks(nodes[i].Node) {
			if c.ServiceID == svc.ID {
				all = append(all, c)
			}
		}
	}
	out, err := filterRows(f, all)
	if err != nil {
		return 0, nil, err
	}
	return s.serviceIndex(name), out, nil
}

// ChecksInState returns every check whose Status is state ("any" for all),
// whose node carries q.NodeMeta and that matches q.Filter, in (node,
// CheckID) order, with the checks table's index.
func (s *State) ChecksInState(ws *WatchSet, state string, q Query) (uint64, []*HealthCheck, error) {
	if state != HealthAny && !validStatus(state) {
		return 0, nil, fmt.Errorf("%w: %q", ErrBadCheckStatus, state)
	}
	f, err := compileFilter(q.Filter, HealthCheck{})
	if err != nil {
		return 0, nil, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	s.watch(ws, watchKey{kind: watchTable, name: tableChecks})
	var all []*HealthCheck
	for key := range s.db.checks.all() {
		c := s.db.checks.at(key)
		if state != HealthAny && c.Status != state {
			continue
		}
		if len(q.NodeMeta) > 0 && !matchNodeMeta(s.db.nodes.at(c.Node), q.NodeMeta) {
			continue
		}
		all = append(all, c)
	}
	out, err := filterRows(f, all)
	if err != nil {
		return 0, nil, err
	}
	return s.answer(s.db.tableIndex[tableChecks]), out, nil
}
