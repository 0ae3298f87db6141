package main

import (
	"bytes"
	"fmt"
	"io"
	"net/url"
	"sort"
	"strings"
	"text/tabwriter"
)

// catalogCommands lists the subcommands of `cairn catalog`.
func catalogCommands() []command {
	return []command{
		{"datacenters", "List all known datacenters", runCatalogDatacenters},
		{"nodes", "List all nodes in the given datacenter", runCatalogNodes},
		{"services", "List all registered services in a datacenter", runCatalogServices},
	}
}

// runCatalog dispatches `cairn catalog <subcommand>`.
func runCatalog(args []string, stdout, stderr io.Writer) int {
	return runGroup("catalog", catalogCommands(), args, stdout, stderr)
}

const catalogDatacentersUsage = `
Usage: cairn catalog datacenters [options]

  Lists the known datacenters, nearest first by estimated round trip time.
`

// runCatalogDatacenters prints one datacenter per line.
func runCatalogDatacenters(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("catalog datacenters", catalogDatacentersUsage, stderr)
	hf := addHTTPFlags(fs, true)
	if code, ok := parseArgs(fs, args, 0, stderr); !ok {
		return code
	}
	var dcs []string
	if err := hf.client().getJSON("/v1/catalog/datacenters", nil, &dcs); err != nil {
		return reportError(stderr, "Error listing datacenters", err)
	}
	for _, dc := range dcs {
		fmt.Fprintln(stdout, dc)
	}
	return 0
}

// catalogNode is a node as /v1/catalog/nodes lists it; the fields of a
// /v1/catalog/service entry are mapped onto it.
type catalogNode struct {
	ID              string
	Node            string
	Address         string
	Datacenter      string
	TaggedAddresses map[string]string
	Meta            map[string]string
}

// catalogServiceEntry is the part of a /v1/catalog/service/<name> entry
// that describes the node running the instance.
type catalogServiceEntry struct {
	ID              string
	Node            string
	Address         string
	Datacenter      string
	TaggedAddresses map[string]string
	NodeMeta        map[string]string
}

const catalogNodesUsage = `
Usage: cairn catalog nodes [options]

  Lists the nodes registered in the datacenter, or with -service only those
  running that service. -detailed prints full node IDs, tagged addresses
  and metadata.
`

// runCatalogNodes prints the node table.
func runCatalogNodes(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("catalog nodes", catalogNodesUsage, stderr)
	detailed := fs.Bool("detailed", false, "Print full IDs, tagged addresses and metadata")
	near := fs.String("near", "", `Sort by estimated round trip time from this node ("_agent" for this agent)`)
	service := fs.String("service", "", "List only nodes that run this service")
	meta := nodeMetaFlag{}
	fs.Var(meta, "node-meta", "Only nodes with this `key=value` metadata (repeatable)")
	hf := addHTTPFlags(fs, true)
	if code, ok := parseArgs(fs, args, 0, stderr); !ok {
		return code
	}
	q := meta.query()
	if *near != "" {
		q.Set("near", *near)
	}
	c := hf.client()
	var nodes []catalogNode
	if *service != "" {
		var entries []catalogServiceEntry
		if err := c.getJSON("/v1/catalog/service/"+url.PathEscape(*service), q, &entries); err != nil {
			return reportError(stderr, "Error listing nodes for service", err)
		}
		for _, e := range entries {
			nodes = append(nodes, catalogNode{ID: e.ID, Node: e.Node, Address: e.Address,
				Datacenter: e.Datacenter, TaggedAddresses: e.TaggedAddresses, Meta: e.NodeMeta})
		}
	} else if err := c.getJSON("/v1/catalog/nodes", q, &nodes); err != nil {
		return reportError(stderr, "Error listing nodes", err)
	}
	if len(nodes) == 0 {
		fmt.Fprintln(stderr, "No nodes match the given query - try expanding your search.")
		return 0
	}
	fmt.Fprintln(stdout, formatColumns(catalogNodeRows(nodes, *detailed)))
	return 0
}

// catalogNodeRows builds the node table; outside -detailed the node ID is
// cut to its first group of hex digits.
func catalogNodeRows(nodes []catalogNode, detailed bool) [][]string {
	if detailed {
		rows := [][]string{{"Node", "ID", "Address", "DC", "TaggedAddresses", "Meta"}}
		for _, n := range nodes {
			rows = append(rows, []string{n.Node, n.ID, n.Address, n.Datacenter,
				sortedPairs(n.TaggedAddresses, ", "), sortedPairs(n.Meta, ", ")})
		}
		return rows
	}
	rows := [][]string{{"Node", "ID", "Address", "DC"}}
	for _, n := range nodes {
		id := n.ID
		if i := strings.Index(id, "-"); i > 0 {
			id = id[:i]
		}
		rows = append(rows, []string{n.Node, id, n.Address, n.Datacenter})
	}
	return rows
}

const catalogServicesUsage = `
Usage: cairn catalog services [options]

  Lists the services registered in the datacenter, or with -node those of
  one node. -tags prints each service's tags beside it.
`

// runCatalogServices prints service names, sorted, with -tags their tags.
func runCatalogServices(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("catalog services", catalogServicesUsage, stderr)
	node := fs.String("node", "", "List the services of this node")
	tags := fs.Bool("tags", false, "Print each service's tags as a comma-separated list")
	meta := nodeMetaFlag{}
	fs.Var(meta, "node-meta", "Only services on nodes with this `key=value` metadata (repeatable)")
	hf := addHTTPFlags(fs, true)
	if code, ok := parseArgs(fs, args, 0, stderr); !ok {
		return code
	}
	services, err := fetchServices(hf.client(), *node, meta.query())
	if err != nil {
		prefix := "Error listing services"
		if *node != "" {
			prefix = "Error listing services for node"
		}
		return reportError(stderr, prefix, err)
	}
	if len(services) == 0 {
		fmt.Fprintln(stderr, "No services match the given query - try expanding your search.")
		return 0
	}
	names := sortedKeys(services)
	if !*tags {
		for _, name := range names {
			fmt.Fprintln(stdout, name)
		}
		return 0
	}
	var b bytes.Buffer
	tw := tabwriter.NewWriter(&b, 0, 2, 6, ' ', 0)
	for _, name := range names {
		t := services[name]
		sort.Strings(t)
		fmt.Fprintf(tw, "%s\t%s\n", name, strings.Join(t, ","))
	}
	tw.Flush()
	fmt.Fprintln(stdout, strings.TrimSpace(b.String()))
	return 0
}

// fetchServices returns service name → tags for the datacenter, or for
// one node, filtered by the node-meta parameters in q (from /v1/catalog/node/<node>; a node that does not exist has
// no services).
func fetchServices(c *apiClient, node string, q url.Values) (map[string][]string, error) {
	services := map[string][]string{}
	if node == "" {
		err := c.getJSON("/v1/catalog/services", q, &services)
		return services, err
	}
	var info *struct {
		Services map[string]struct {
			Service string
			Tags    []string
		}
	}
	if err := c.getJSON("/v1/catalog/node/"+url.PathEscape(node), q, &info); err != nil || info == nil {
		return services, err
	}
	for _, id := range sortedKeys(info.Services) {
		s := info.Services[id]
		services[s.Service] = append(services[s.Service], s.Tags...)
	}
	return services, nil
}

// nodeMetaFlag collects repeated -node-meta=key=value flags; each pair is
// sent as ?node-meta=key:value, as Consul's client does.
type nodeMetaFlag map[string]string

// String renders the pairs for flag's defaults listing.
func (m nodeMetaFlag) String() string { return sortedPairs(m, ",") }

// Set adds one key=value pair.
func (m nodeMetaFlag) Set(v string) error {
	key, value, ok := strings.Cut(v, "=")
	if !ok {
		return fmt.Errorf("missing \"=\" in %q", v)
	}
	m[key] = value
	return nil
}

// query returns the pairs as node-meta parameters, sorted by key.
func (m nodeMetaFlag) query() url.Values {
	q := url.Values{}
	for _, k := range sortedKeys(m) {
		q.Add("node-meta", k+":"+m[k])
	}
	return q
}
