package catalog

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestRegisterRefusesInvalidRequestsWithoutChangingState(t *testing.T) {
	cases := []struct {
		name string
		req  *RegisterRequest
		want error
	}{
		{"no node", &RegisterRequest{Address: "10.0.0.1"}, ErrMissingNode},
		{"no address", &RegisterRequest{Node: "n2"}, ErrMissingAddress},
		{"skip update of missing node", &RegisterRequest{Node: "n2", SkipNodeUpdate: true}, ErrNodeNotFound},
		{"NUL in node", &RegisterRequest{Node: "a\x00b", Address: "x"}, ErrBadName},
		{"service without name", &RegisterRequest{Node: "n1", Address: "x", Service: &Service{ID: "s"}}, ErrMissingServiceName},
		{"check without id", &RegisterRequest{Node: "n1", Address: "x", Check: &HealthCheck{}}, ErrMissingCheckID},
		{"check with bad status", &RegisterRequest{Node: "n1", Address: "x",
			Check: &HealthCheck{CheckID: "c", Status: "ok"}}, ErrBadCheckStatus},
		{"check on other node", &RegisterRequest{Node: "n1", Address: "x",
			Check: &HealthCheck{CheckID: "c", Node: "n9"}}, ErrCheckNodeMismatch},
		{"check on missing service", &RegisterRequest{Node: "n1", Address: "x",
			Check: &HealthCheck{CheckID: "c", ServiceID: "nope"}}, ErrServiceNotFound},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			a := newApplier(t)
			a.node("n1", "10.0.0.1", nil)
			before := snapshotBytes(t, a.s)
			res := a.do(tc.req)
			require.ErrorIs(t, res.Err, tc.want)
			require.False(t, res.OK)
			a.s.db.lastIndex = 1
			require.Equal(t, before, snapshotBytes(t, a.s))
		})
	}
}

func TestRegisterSetsIndexesAndDefaults(t *testing.T) {
	a := newApplier(t)
	a.ok(&RegisterRequest{Node: "n1", Address: "10.0.0.1", Service: &Service{Service: "web", Tags: []string{"a"}},
		Check: &HealthCheck{Name: "alive", ServiceID: "web"}})
	idx, ns := a.s.GetNode(nil, "n1")
	require.Equal(t, uint64(1), idx)
	require.Equal(t, uint64(1), ns.Node.CreateIndex)
	require.Len(t, ns.Services, 1)
	svc := ns.Services[0]
	require.Equal(t, "web", svc.ID, "ID defaults to the name")
	require.Equal(t, Weights{Passing: 1, Warning: 1}, svc.Weights)
	_, checks, err := a.s.NodeChecks(nil, "n1", Query{})
	require.NoError(t, err)
	require.Len(t, checks, 1)
	require.Equal(t, "alive", checks[0].CheckID, "CheckID defaults to the name")
	require.Equal(t, HealthCritical, checks[0].Status, "status defaults to critical")
	require.Equal(t, "web", checks[0].ServiceName)
	require.Equal(t, []string{"a"}, checks[0].ServiceTags)
}

func TestReRegisteringIdenticalDataKeepsIndexes(t *testing.T) {
	a := newApplier(t)
	reg := func() *RegisterRequest {
		return &RegisterRequest{Node: "n1", Address: "10.0.0.1", Service: &Service{Service: "web"},
			Check: &HealthCheck{CheckID: "c", Status: HealthPassing}}
	}
	a.ok(reg())
	a.ok(reg())
	idx, ns := a.s.GetNode(nil, "n1")
	require.Equal(t, uint64(1), idx)
	require.Equal(t, uint64(1), ns.Node.ModifyIndex)
	require.Equal(t, uint64(1), ns.Services[0].ModifyIndex)
	a.ok(&RegisterRequest{Node: "n1", Address: "10.0.0.2"})
	idx, ns = a.s.GetNode(nil, "n1")
	require.Equal(t, uint64(3), idx)
	require.Equal(t, uint64(1), ns.Node.CreateIndex)
	require.Equal(t, uint64(3), ns.Node.ModifyIndex)
}

func TestSkipNodeUpdateLeavesNodeAlone(t *testing.T) {
	a := newApplier(t)
	a.node("n1", "10.0.0.1", map[string]string{"rack": "a"})
	a.ok(&RegisterRequest{Node: "n1", Address: "9.9.9.9", SkipNodeUpdate: true, Service: &Service{Service: "web"}})
	_, ns := a.s.GetNode(nil, "n1")
	require.Equal(t, "10.0.0.1", ns.Node.Address)
	require.Equal(t, uint64(1), ns.Node.ModifyIndex)
	require.Len(t, ns.Services, 1)
}

func TestRenamingAnInstanceMovesItBetweenServices(t *testing.T) {
	a := newApplier(t)
	a.node("n1", "10.0.0.1", nil)
	a.service("n1", "web", "s1")
	a.service("n1", "api", "s1")
	_, web, err := a.s.ServiceNodes(nil, "web", Query{})
	require.NoError(t, err)
	require.Empty(t, web)
	_, api, err := a.s.ServiceNodes(nil, "api", Query{})
	require.NoError(t, err)
	require.Len(t, api, 1)
}

func TestDeregister(t *testing.T) {
	setup := func(t *testing.T) *applier {
		a := newApplier(t)
		a.node("n1", "10.0.0.1", nil)
		a.service("n1", "web", "web-1")
		a.check("n1", "svc-check", "web-1", HealthPassing)
		a.check("n1", "node-check", "", HealthPassing)
		return a
	}
	cases := []struct {
		name                   string
		req                    *DeregisterRequest
		want                   error
		services, checks, node int
	}{
		{"check", &DeregisterRequest{Node: "n1", CheckID: "node-check"}, nil, 1, 1, 1},
		{"service takes its checks", &DeregisterRequest{Node: "n1", ServiceID: "web-1"}, nil, 0, 1, 1},
		{"node takes everything", &DeregisterRequest{Node: "n1"}, nil, 0, 0, 0},
		{"missing node", &DeregisterRequest{Node: "n2"}, ErrNodeNotFound, 1, 2, 1},
		{"missing service", &DeregisterRequest{Node: "n1", ServiceID: "x"}, ErrServiceNotFound, 1, 2, 1},
		{"missing check", &DeregisterRequest{Node: "n1", CheckID: "x"}, ErrCheckNotFound, 1, 2, 1},
		{"no node name", &DeregisterRequest{}, ErrMissingNode, 1, 2, 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			a := setup(t)
			res := a.do(tc.req)
			require.ErrorIs(t, res.Err, tc.want)
			require.Equal(t, tc.want == nil, res.OK)
			_, svcs, err := a.s.ServiceNodes(nil, "web", Query{})
			require.NoError(t, err)
			require.Len(t, svcs, tc.services)
			_, checks, err := a.s.ChecksInState(nil, HealthAny, Query{})
			require.NoError(t, err)
			require.Len(t, checks, tc.checks)
			_, nodes, err := a.s.ListNodes(nil, Query{})
			require.NoError(t, err)
			require.Len(t, nodes, tc.node)
		})
	}
}

func TestUpdateCheckStatus(t *testing.T) {
	a := newApplier(t)
	a.node("n1", "10.0.0.1", nil)
	a.check("n1", "serfHealth", "", HealthPassing)
	a.ok(&UpdateCheckRequest{Node: "n1", CheckID: "serfHealth", Status: HealthCritical, Output: "failed"})
	_, checks, err := a.s.ChecksInState(nil, HealthCritical, Query{})
	require.NoError(t, err)
	require.Len(t, checks, 1)
	require.Equal(t, "failed", checks[0].Output)
	require.Equal(t, uint64(2), checks[0].CreateIndex)
	require.Equal(t, uint64(3), checks[0].ModifyIndex)

	require.ErrorIs(t, a.do(&UpdateCheckRequest{Node: "n1", CheckID: "x", Status: HealthPassing}).Err, ErrCheckNotFound)
	require.ErrorIs(t, a.do(&UpdateCheckRequest{Node: "n1", CheckID: "serfHealth", Status: "up"}).Err, ErrBadCheckStatus)
	_, _, err = a.s.ChecksInState(nil, "bogus", Query{})
	require.ErrorIs(t, err, ErrBadCheckStatus)
}

func TestChangingAnInstanceUpdatesItsChecks(t *testing.T) {
	a := newApplier(t)
	a.node("n1", "10.0.0.1", nil)
	a.service("n1", "web", "s1", "v1")
	a.check("n1", "c", "s1", HealthPassing)
	a.service("n1", "api", "s1", "v2")
	_, checks, err := a.s.ServiceChecks(nil, "api", Query{})
	require.NoError(t, err)
	require.Len(t, checks, 1)
	require.Equal(t, "api", checks[0].ServiceName)
	require.Equal(t, []string{"v2"}, checks[0].ServiceTags)
	require.Equal(t, uint64(4), checks[0].ModifyIndex)
}
