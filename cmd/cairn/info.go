package main

import (
	"fmt"
	"io"
	"sort"
)

// agentSelf is the part of /v1/agent/self the CLI reads.
type agentSelf struct {
	Config struct {
		Datacenter string
		NodeName   string
	}
	Stats map[string]map[string]any
}

// fetchAgentSelf reads /v1/agent/self.
func fetchAgentSelf(c *apiClient) (*agentSelf, error) {
	var self agentSelf
	if err := c.getJSON("/v1/agent/self", nil, &self); err != nil {
		return nil, err
	}
	return &self, nil
}

const infoUsage = `
Usage: cairn info [options]

  Prints the agent's statistics for operators, grouped by subsystem
  (agent, build, consul, raft, runtime, serf_lan, serf_wan).
`

// runInfo prints /v1/agent/self's Stats: each group as "name:", then its
// keys indented by a tab as "key = value", groups and keys sorted.
func runInfo(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("info", infoUsage, stderr)
	hf := addHTTPFlags(fs, false)
	if code, ok := parseArgs(fs, args, 0, stderr); !ok {
		return code
	}
	self, err := fetchAgentSelf(hf.client())
	if err != nil {
		return reportError(stderr, "Error querying agent", err)
	}
	if self.Stats == nil {
		fmt.Fprintln(stderr, "Agent response did not contain 'Stats' key")
		return 1
	}
	for _, group := range sortedKeys(self.Stats) {
		fmt.Fprintf(stdout, "%s:\n", group)
		values := self.Stats[group]
		for _, k := range sortedKeys(values) {
			fmt.Fprintf(stdout, "\t%s = %v\n", k, values[k])
		}
	}
	return 0
}

// sortedKeys returns a map's keys in ascending order.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
