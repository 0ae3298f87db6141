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
  those "cairn members" shows. With -wan the WAN coordinates of servers
  are used and names take the form <node>.<datacenter>.
`

// runRTT prints the estimated round trip time between two nodes.
func runRTT(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("rtt", rttUsage, stderr)
	wan := fs.Bool("wan", false, "Use WAN coordinates (names as <node>.<datacenter>)")
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
		own := self.Config.NodeName
		if *wan {
			own += "." + self.Config.Datacenter
		}
		nodes = append(nodes, own)
	}
	source, lookup := "LAN", lanCoordinates
	if *wan {
		source, lookup = "WAN", wanCoordinates
	}
	c1, c2, err := lookup(c, nodes[0], nodes[1])
	switch {
	case errors.Is(err, errWANName):
		fmt.Fprintln(stderr, err)
		return 1
	case err != nil:
		return reportError(stderr, "Error getting coordinates", err)
	}
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
	fmt.Fprintf(stdout, "Estimated %s <-> %s rtt: %.3f ms (using %s coordinates)\n",
		nodes[0], nodes[1], dist.Seconds()*1000.0, source)
	return 0
}

// lanCoordinates finds two nodes' LAN coordinates in a segment both share.
func lanCoordinates(c *apiClient, node1, node2 string) (*coordinate, *coordinate, error) {
	var entries []coordinateEntry
	if err := c.getJSON("/v1/coordinate/nodes", nil, &entries); err != nil {
		return nil, nil, err
	}
	c1, c2 := intersectCoordinates(coordinatesOf(entries, node1), coordinatesOf(entries, node2))
	return c1, c2, nil
}

// errWANName is returned for a -wan node name without its datacenter.
var errWANName = errors.New("Node names must be specified as <node name>.<datacenter> with -wan")

// wanDatacenter is one element of /v1/coordinate/datacenters: the WAN
// coordinates of a datacenter's servers within one network area.
type wanDatacenter struct {
	Datacenter  string
	AreaID      string
	Coordinates []coordinateEntry
}

// wanCoordinates finds the WAN coordinates of two servers named
// <node>.<datacenter>; coordinates from different network areas cannot be
// compared, so both must come from the same area.
func wanCoordinates(c *apiClient, name1, name2 string) (*coordinate, *coordinate, error) {
	node1, dc1, ok1 := strings.Cut(name1, ".")
	node2, dc2, ok2 := strings.Cut(name2, ".")
	if !ok1 || !ok2 || strings.Contains(dc1, ".") || strings.Contains(dc2, ".") {
		return nil, nil, errWANName
	}
	var dcs []wanDatacenter
	if err := c.getJSON("/v1/coordinate/datacenters", nil, &dcs); err != nil {
		return nil, nil, err
	}
	for _, area := range sortedAreas(dcs) {
		var c1, c2 *coordinate
		for _, dc := range dcs {
			if dc.AreaID != area {
				continue
			}
			for _, e := range dc.Coordinates {
				if dc.Datacenter == dc1 && strings.EqualFold(e.Node, node1) {
					c1 = e.Coord
				}
				if dc.Datacenter == dc2 && strings.EqualFold(e.Node, node2) {
					c2 = e.Coord
				}
			}
		}
		if c1 != nil && c2 != nil {
			return c1, c2, nil
		}
	}
	return nil, nil, nil
}

// sortedAreas lists the network areas of dcs once each, sorted.
func sortedAreas(dcs []wanDatacenter) []string {
	seen := map[string]bool{}
	for _, dc := range dcs {
		seen[dc.AreaID] = true
	}
	return sortedKeys(seen)
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
