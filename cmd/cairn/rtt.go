package main

import (
	"errors"
	"fmt"
	"io"
	"math"
	"strings"
	"time"
)

// coordinate is a node's position in Vivaldi network coordinates as the
// HTTP API renders it: a Euclidean vector plus a height (the node's
// access-link delay), an adjustment term that absorbs what the Euclidean
// model cannot fit, and the node's error estimate. All are in seconds.
type coordinate struct {
	Vec        []float64
	Error      float64
	Adjustment float64
	Height     float64
}

// errDimensions is returned for two coordinates of different sizes,
// which no distance can be computed between.
var errDimensions = errors.New("coordinates have different dimensions")

// distanceTo estimates the round trip time between c and o as Serf's
// Vivaldi model does: the Euclidean distance between the vectors plus both
// heights; both adjustments are added when the sum stays positive.
func (c coordinate) distanceTo(o coordinate) (time.Duration, error) {
	if len(c.Vec) != len(o.Vec) {
		return 0, errDimensions
	}
	var sum float64
	for i := range c.Vec {
		d := c.Vec[i] - o.Vec[i]
		sum += d * d
	}
	dist := math.Sqrt(sum) + c.Height + o.Height
	if adjusted := dist + c.Adjustment + o.Adjustment; adjusted > 0 {
		dist = adjusted
	}
	return time.Duration(dist * float64(time.Second)), nil
}

// coordinateEntry is one element of /v1/coordinate/nodes.
type coordinateEntry struct {
	Node    string
	Segment string
	Coord   *coordinate
}

const rttUsage = `
Usage: cairn rtt [options] NODE1 [NODE2]

  Estimates the round trip time between two nodes from the LAN network
  coordinates. Without NODE2 the agent's own node is used. Node names are
  those "cairn members" shows.
`

// runRTT prints the estimated round trip time between two nodes.
func runRTT(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("rtt", rttUsage, stderr)
	hf := addHTTPFlags(fs, false)
	if err := fs.Parse(args); err != nil {
		return exitForParse(err)
	}
	nodes := fs.Args()
	if len(nodes) < 1 || len(nodes) > 2 {
		return usageError(fs, stderr, "One or two node names must be specified")
	}
	c := hf.client()
	if len(nodes) == 1 {
		self, err := fetchAgentSelf(c)
		if err != nil {
			return reportError(stderr, "Unable to look up agent info", err)
		}
		nodes = append(nodes, self.Config.NodeName)
	}
	var entries []coordinateEntry
	if err := c.getJSON("/v1/coordinate/nodes", nil, &entries); err != nil {
		return reportError(stderr, "Error getting coordinates", err)
	}
	c1, c2 := intersectCoordinates(coordinatesOf(entries, nodes[0]), coordinatesOf(entries, nodes[1]))
	for i, coord := range []*coordinate{c1, c2} {
		if coord == nil {
			fmt.Fprintf(stderr, "Could not find a coordinate for node %q\n", nodes[i])
			return 1
		}
	}
	dist, err := c1.distanceTo(*c2)
	if err != nil {
		return reportError(stderr, "Error computing distance", err)
	}
	fmt.Fprintf(stdout, "Estimated %s <-> %s rtt: %.3f ms (using LAN coordinates)\n",
		nodes[0], nodes[1], dist.Seconds()*1000.0)
	return 0
}

// coordinatesOf returns a node's coordinates by network segment; node
// names compare case-insensitively.
func coordinatesOf(entries []coordinateEntry, node string) map[string]*coordinate {
	set := map[string]*coordinate{}
	for _, e := range entries {
		if e.Coord != nil && strings.EqualFold(e.Node, node) {
			set[e.Segment] = e.Coord
		}
	}
	return set
}

// intersectCoordinates picks the segment both nodes can be compared in:
// the default segment, unless one node sits in a single segment (a
// client), whose segment then wins; servers are in every segment.
func intersectCoordinates(a, b map[string]*coordinate) (*coordinate, *coordinate) {
	segment := ""
	for _, set := range []map[string]*coordinate{a, b} {
		if len(set) == 1 {
			for s := range set {
				segment = s
			}
		}
	}
	return a[segment], b[segment]
}
