package main

import (
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strings"
)

// agentCheck is the part of a /v1/agent/checks entry `maint` reads.
type agentCheck struct {
	CheckID   string
	ServiceID string
	Notes     string
}

const maintUsage = `
Usage: cairn maint [options]

  Puts the node, or with -service one service instance, into maintenance
  mode (-enable) or takes it out (-disable). In maintenance the node or
  service carries a critical check and drops out of DNS and health
  queries. Without -enable or -disable, lists what is in maintenance.
`

// runMaint enables, disables or lists maintenance mode.
func runMaint(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("maint", maintUsage, stderr)
	enable := fs.Bool("enable", false, "Enable maintenance mode")
	disable := fs.Bool("disable", false, "Disable maintenance mode")
	reason := fs.String("reason", "", "Text describing the maintenance reason")
	service := fs.String("service", "", "Act on this service ID rather than the node")
	hf := addHTTPFlags(fs, false)
	if code, ok := parseArgs(fs, args, 0, stderr); !ok {
		return code
	}
	switch {
	case *enable && *disable:
		return usageError(fs, stderr, "Only one of -enable or -disable may be provided")
	case !*enable && *reason != "":
		return usageError(fs, stderr, "Reason may only be provided with -enable")
	case !*enable && !*disable && *service != "":
		return usageError(fs, stderr, "Service requires either -enable or -disable")
	}
	c := hf.client()
	self, err := fetchAgentSelf(c)
	if err != nil {
		return reportError(stderr, "Error querying Consul agent", err)
	}
	if !*enable && !*disable {
		return listMaintenance(c, self.Config.NodeName, stdout, stderr)
	}
	what, path := "node", "/v1/agent/maintenance"
	if *service != "" {
		what, path = "service", "/v1/agent/service/maintenance/"+url.PathEscape(*service)
	}
	q := url.Values{"enable": {fmt.Sprint(*enable)}}
	if *enable {
		q.Set("reason", *reason)
	}
	action, state := "disabling", "disabled"
	if *enable {
		action, state = "enabling", "enabled"
	}
	if _, err := c.do(http.MethodPut, path, q, nil); err != nil {
		return reportError(stderr, fmt.Sprintf("Error %s %s maintenance", action, what), err)
	}
	if *service == "" {
		fmt.Fprintf(stdout, "Node maintenance is now %s\n", state)
	} else {
		fmt.Fprintf(stdout, "Service maintenance is now %s for %q\n", state, *service)
	}
	return 0
}

// listMaintenance prints the node and services in maintenance, found by
// their maintenance check IDs.
func listMaintenance(c *apiClient, node string, stdout, stderr io.Writer) int {
	var checks map[string]agentCheck
	if err := c.getJSON("/v1/agent/checks", nil, &checks); err != nil {
		return reportError(stderr, "Error getting checks", err)
	}
	ids := sortedKeys(checks)
	sort.SliceStable(ids, func(i, j int) bool {
		return ids[i] == "_node_maintenance" && ids[j] != "_node_maintenance"
	})
	for _, id := range ids {
		check := checks[id]
		switch {
		case check.CheckID == "_node_maintenance":
			fmt.Fprintf(stdout, "Node:\n  Name:   %s\n  Reason: %s\n\n", node, check.Notes)
		case strings.HasPrefix(check.CheckID, "_service_maintenance:"):
			fmt.Fprintf(stdout, "Service:\n  ID:     %s\n  Reason: %s\n\n", check.ServiceID, check.Notes)
		}
	}
	return 0
}
