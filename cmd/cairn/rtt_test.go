package main

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestCoordinateDistanceFollowsVivaldi checks the distance formula:
// Euclidean distance plus heights, plus adjustments unless that makes it
// non-positive, and an error for mismatched dimensions.
func TestCoordinateDistanceFollowsVivaldi(t *testing.T) {
	for _, tc := range []struct {
		name string
		a, b coordinate
		want time.Duration
	}{
		{"same point", coordinate{Vec: []float64{0, 0}}, coordinate{Vec: []float64{0, 0}}, 0},
		{"3-4-5 triangle", coordinate{Vec: []float64{0, 0}}, coordinate{Vec: []float64{0.003, 0.004}}, 5 * time.Millisecond},
		{"heights add", coordinate{Vec: []float64{0, 0}, Height: 0.001}, coordinate{Vec: []float64{0.003, 0.004}, Height: 0.002}, 8 * time.Millisecond},
		{"adjustments add", coordinate{Vec: []float64{0}, Adjustment: 0.001}, coordinate{Vec: []float64{0.002}, Adjustment: 0.0005}, 3500 * time.Microsecond},
		{"negative total ignores adjustments", coordinate{Vec: []float64{0}, Adjustment: -0.003}, coordinate{Vec: []float64{0.002}}, 2 * time.Millisecond},
	} {
		got, err := tc.a.distanceTo(tc.b)
		require.NoError(t, err, tc.name)
		require.InDelta(t, float64(tc.want), float64(got), 2, tc.name)
	}
	_, err := coordinate{Vec: []float64{0}}.distanceTo(coordinate{Vec: []float64{0, 0}})
	require.ErrorIs(t, err, errDimensions)
}

// coordinateNodes is /v1/coordinate/nodes for three nodes, one of them in
// a non-default segment.
const coordinateNodes = `[
 {"Node":"n1","Segment":"","Coord":{"Vec":[0,0,0,0,0,0,0,0],"Error":0.2,"Adjustment":0.0001,"Height":0.0001}},
 {"Node":"n2","Segment":"","Coord":{"Vec":[0.003,0.004,0,0,0,0,0,0],"Error":0.2,"Adjustment":0.0001,"Height":0.0001}},
 {"Node":"c9","Segment":"alpha","Coord":{"Vec":[0,0,0,0,0,0,0,0.01],"Error":0.2,"Adjustment":0,"Height":0}},
 {"Node":"n1","Segment":"alpha","Coord":{"Vec":[0,0,0,0,0,0,0,0],"Error":0.2,"Adjustment":0,"Height":0}}
]`

// TestRTTEstimatesFromLANCoordinates checks two named nodes, the agent's
// own node as the default second one, and segment matching.
func TestRTTEstimatesFromLANCoordinates(t *testing.T) {
	a := newFakeAgent(t, map[string]http.HandlerFunc{
		"GET /v1/coordinate/nodes": replyJSON(coordinateNodes),
		"GET /v1/agent/self":       replyJSON(agentSelfJSON),
	})
	code, out, errOut := runCairn("rtt", "N1", "n2")
	require.Equal(t, 0, code, errOut)
	require.Equal(t, "Estimated N1 <-> n2 rtt: 5.400 ms (using LAN coordinates)\n", out)
	require.Len(t, a.seen(), 1)

	code, out, _ = runCairn("rtt", "n2")
	require.Equal(t, 0, code)
	require.Equal(t, "Estimated n2 <-> n1 rtt: 5.400 ms (using LAN coordinates)\n", out)

	code, out, _ = runCairn("rtt", "c9", "n1")
	require.Equal(t, 0, code)
	require.Equal(t, "Estimated c9 <-> n1 rtt: 10.000 ms (using LAN coordinates)\n", out)
}

// TestRTTReportsMissingNodesAndUsage checks the error paths.
func TestRTTReportsMissingNodesAndUsage(t *testing.T) {
	newFakeAgent(t, map[string]http.HandlerFunc{"GET /v1/coordinate/nodes": replyJSON(coordinateNodes)})
	code, _, errOut := runCairn("rtt", "n1", "ghost")
	require.Equal(t, 1, code)
	require.Equal(t, "Could not find a coordinate for node \"ghost\"\n", errOut)

	code, _, errOut = runCairn("rtt")
	require.Equal(t, 1, code)
	require.Contains(t, errOut, "One or two node names must be specified")
	require.Contains(t, errOut, "Usage: cairn rtt")

	code, _, errOut = runCairn("rtt", "n1")
	require.Equal(t, 1, code)
	require.Equal(t, "Unable to look up agent info: Unexpected response code: 404 (no route)\n", errOut)
}

// wanDatacenters is /v1/coordinate/datacenters: two datacenters in the
// WAN area, and a third only in another area.
const wanDatacenters = `[
 {"Datacenter":"dc1","AreaID":"wan","Coordinates":[{"Node":"s1","Coord":{"Vec":[0,0],"Height":0}}]},
 {"Datacenter":"dc2","AreaID":"wan","Coordinates":[{"Node":"s9","Coord":{"Vec":[0.03,0.04],"Height":0}}]},
 {"Datacenter":"dc3","AreaID":"area-2","Coordinates":[{"Node":"s5","Coord":{"Vec":[0,0],"Height":0}}]}
]`

// TestRTTWANUsesServerCoordinatesOfOneArea checks -wan: node.dc names,
// the agent's own server as the default, and no comparison across areas.
func TestRTTWANUsesServerCoordinatesOfOneArea(t *testing.T) {
	newFakeAgent(t, map[string]http.HandlerFunc{
		"GET /v1/coordinate/datacenters": replyJSON(wanDatacenters),
		"GET /v1/agent/self":             replyJSON(`{"Config":{"Datacenter":"dc1","NodeName":"s1"}}`),
	})
	code, out, errOut := runCairn("rtt", "-wan", "S9.dc2", "s1.dc1")
	require.Equal(t, 0, code, errOut)
	require.Equal(t, "Estimated S9.dc2 <-> s1.dc1 rtt: 50.000 ms (using WAN coordinates)\n", out)

	code, out, _ = runCairn("rtt", "-wan", "s9.dc2")
	require.Equal(t, 0, code)
	require.Equal(t, "Estimated s9.dc2 <-> s1.dc1 rtt: 50.000 ms (using WAN coordinates)\n", out)

	code, _, errOut = runCairn("rtt", "-wan", "s5.dc3", "s1.dc1")
	require.Equal(t, 1, code)
	require.Equal(t, "Could not find a coordinate for node \"s5.dc3\"\n", errOut)

	code, _, errOut = runCairn("rtt", "-wan", "s9", "s1.dc1")
	require.Equal(t, 1, code)
	require.Equal(t, "Node names must be specified as <node name>.<datacenter> with -wan\n", errOut)
}
