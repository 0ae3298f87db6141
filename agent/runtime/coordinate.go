package runtime

import (
	"cmp"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/cairn-sd/cairn/acl"
	"github.com/cairn-sd/cairn/agent/core"
	"github.com/cairn-sd/cairn/swim"
)

// Network coordinates (/v1/coordinate): each agent answers from its own
// view of the LAN pool — the Vivaldi coordinate every member carries on
// its probe acknowledgements — rather than from the catalog, where Consul
// stores them. Members this agent has not heard a coordinate from yet are
// left out.

// coordinateView is one entry of /v1/coordinate/nodes.
type coordinateView struct {
	Node    string
	Segment string
	Coord   swim.Coordinate
}

// coordinates returns the live members' coordinates, by node name.
func (a *Agent) coordinates() ([]coordinateView, error) {
	var out []coordinateView
	if !a.env.Do(func() {
		for _, m := range a.member.Members() {
			if m.State == swim.StateDead || m.State == swim.StateLeft {
				continue
			}
			if c, ok := a.member.NodeCoordinate(m.Name); ok {
				out = append(out, coordinateView{Node: m.Name, Coord: c})
			}
		}
	}) {
		return nil, errShuttingDown
	}
	slices.SortFunc(out, func(x, y coordinateView) int { return strings.Compare(x.Node, y.Node) })
	return out, nil
}

// coordinateNodes serves GET /v1/coordinate/nodes.
func (a *Agent) coordinateNodes(w http.ResponseWriter, r *http.Request, _ string) error {
	out, err := a.coordinates()
	if err != nil {
		return err
	}
	out = visible(authz(r), out, func(az *acl.Authorizer, c coordinateView) bool { return az.NodeRead(c.Node) == acl.Allow })
	setQueryMeta(w, 1, core.QueryMeta{KnownLeader: true}, modeStale)
	writeJSON(w, r, append([]coordinateView{}, out...))
	return nil
}

// coordinateNode serves GET /v1/coordinate/node/<node>.
func (a *Agent) coordinateNode(w http.ResponseWriter, r *http.Request, node string) error {
	out, err := a.coordinates()
	if err != nil {
		return err
	}
	i := slices.IndexFunc(out, func(c coordinateView) bool { return c.Node == node && authz(r).NodeRead(node) == acl.Allow })
	setQueryMeta(w, 1, core.QueryMeta{KnownLeader: true}, modeStale)
	if i < 0 {
		w.WriteHeader(http.StatusNotFound)
		return nil
	}
	writeJSON(w, r, []coordinateView{out[i]})
	return nil
}

// datacenterCoordinates is one entry of /v1/coordinate/datacenters.
type datacenterCoordinates struct {
	Datacenter  string
	AreaID      string
	Coordinates []coordinateView
}

// coordinateDatacenters serves GET /v1/coordinate/datacenters: the WAN
// coordinates of every datacenter's servers this server has heard, its
// datacenters nearest first.
func (a *Agent) coordinateDatacenters(w http.ResponseWriter, r *http.Request, _ string) error {
	var out []datacenterCoordinates
	if !a.env.Do(func() {
		byDC := map[string][]coordinateView{}
		wan := a.server.WAN()
		for _, m := range wan.Members() {
			if c, ok := wan.NodeCoordinate(m.Name); ok && m.State != swim.StateDead && m.State != swim.StateLeft {
				byDC[m.Tags["dc"]] = append(byDC[m.Tags["dc"]], coordinateView{Node: m.Name, Coord: c})
			}
		}
		for _, dc := range a.server.Datacenters() {
			out = append(out, datacenterCoordinates{Datacenter: dc, AreaID: "wan", Coordinates: append([]coordinateView{}, byDC[dc]...)})
		}
	}) {
		return errShuttingDown
	}
	writeJSON(w, r, out)
	return nil
}

// sortNear orders rows by estimated round-trip time from the node named
// by ?near (the agent's own node for "_agent"), nearest first. Without
// ?near, or when the near node's coordinate is unknown, rows stay as they
// are.
func sortNear[T any](a *Agent, r *http.Request, rows []T, nodeOf func(T) string) {
	near := r.URL.Query().Get("near")
	if near == "" || len(rows) < 2 {
		return
	}
	if near == "_agent" {
		near = a.cfg.NodeName
	}
	coords := map[string]swim.Coordinate{}
	a.env.Do(func() {
		for _, name := range append([]string{near}, mapRows(rows, nodeOf)...) {
			if c, ok := a.member.NodeCoordinate(name); ok {
				coords[name] = c
			}
		}
	})
	sortByDistance(rows, nodeOf, near, coords)
}

// sortByDistance orders rows by distance from near's coordinate; rows
// whose node has no coordinate keep their order at the end. The near node
// itself comes first: the model's estimate from a node to itself is twice
// its height, not the zero round trip it really is, and a neighbour with
// a smaller height would otherwise come before it.
func sortByDistance[T any](rows []T, nodeOf func(T) string, near string, coords map[string]swim.Coordinate) {
	from, ok := coords[near]
	if !ok {
		return
	}
	distance := func(name string) (time.Duration, bool) {
		c, ok := coords[name]
		if !ok || name == near {
			return 0, ok
		}
		return from.DistanceTo(c), true
	}
	slices.SortStableFunc(rows, func(x, y T) int {
		dx, okx := distance(nodeOf(x))
		dy, oky := distance(nodeOf(y))
		switch {
		case okx && oky:
			return cmp.Compare(dx, dy)
		case okx:
			return -1
		case oky:
			return 1
		}
		return 0
	})
}

func mapRows[T any](rows []T, f func(T) string) []string {
	out := make([]string, len(rows))
	for i, r := range rows {
		out[i] = f(r)
	}
	return out
}
