package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// autopilotCommands lists the subcommands of `cairn operator autopilot`.
func autopilotCommands() []command {
	return []command{
		{"get-config", "Display the current Autopilot configuration", runAutopilotGetConfig},
		{"set-config", "Modify the current Autopilot configuration", runAutopilotSetConfig},
		{"state", "Display the current Autopilot state", runAutopilotState},
	}
}

// runOperatorAutopilot dispatches `cairn operator autopilot <subcommand>`.
func runOperatorAutopilot(args []string, stdout, stderr io.Writer) int {
	return runGroup("operator autopilot", autopilotCommands(), args, stdout, stderr)
}

// autopilotConfig is /v1/operator/autopilot/configuration. The durations
// are kept as the agent's strings ("200ms") and parsed where needed.
type autopilotConfig struct {
	CleanupDeadServers      bool
	LastContactThreshold    string
	MaxTrailingLogs         uint64
	MinQuorum               uint
	ServerStabilizationTime string
	RedundancyZoneTag       string
	DisableUpgradeMigration bool
	UpgradeVersionTag       string
	CreateIndex             uint64
	ModifyIndex             uint64
}

const autopilotGetConfigUsage = `
Usage: cairn operator autopilot get-config [options]

  Displays the current Autopilot configuration.
`

// runAutopilotGetConfig prints the settings, one "Name = value" a line.
func runAutopilotGetConfig(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("operator autopilot get-config", autopilotGetConfigUsage, stderr)
	hf := addHTTPFlags(fs, true)
	if code, ok := parseArgs(fs, args, 0, stderr); !ok {
		return code
	}
	var c autopilotConfig
	if err := hf.client().getJSON("/v1/operator/autopilot/configuration", nil, &c); err != nil {
		return reportError(stderr, "Error querying Autopilot configuration", err)
	}
	fmt.Fprintf(stdout, "CleanupDeadServers = %v\n", c.CleanupDeadServers)
	fmt.Fprintf(stdout, "LastContactThreshold = %s\n", c.LastContactThreshold)
	fmt.Fprintf(stdout, "MaxTrailingLogs = %d\n", c.MaxTrailingLogs)
	fmt.Fprintf(stdout, "MinQuorum = %d\n", c.MinQuorum)
	fmt.Fprintf(stdout, "ServerStabilizationTime = %s\n", c.ServerStabilizationTime)
	fmt.Fprintf(stdout, "RedundancyZoneTag = %q\n", c.RedundancyZoneTag)
	fmt.Fprintf(stdout, "DisableUpgradeMigration = %v\n", c.DisableUpgradeMigration)
	fmt.Fprintf(stdout, "UpgradeVersionTag = %q\n", c.UpgradeVersionTag)
	return 0
}

const autopilotSetConfigUsage = `
Usage: cairn operator autopilot set-config [options]

  Modifies the current Autopilot configuration: the settings named by
  flags change, the others stay. The change is a check-and-set on the
  configuration read first, so a concurrent change is never lost.
`

// runAutopilotSetConfig reads the settings, changes those given by flags
// and writes them back as a check-and-set.
func runAutopilotSetConfig(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("operator autopilot set-config", autopilotSetConfigUsage, stderr)
	cleanup := fs.Bool("cleanup-dead-servers", true, "Whether to remove dead servers from the Raft peer list")
	lastContact := fs.Duration("last-contact-threshold", 0, "How long a server may go without contact with the leader and stay healthy")
	maxTrailing := fs.Uint64("max-trailing-logs", 0, "How many log entries a server may trail the leader by and stay healthy")
	minQuorum := fs.Uint("min-quorum", 0, "The number of voters below which dead servers are no longer removed")
	stabilization := fs.Duration("server-stabilization-time", 0, "How long a server must be healthy before it counts as stable")
	hf := addHTTPFlags(fs, false)
	if code, ok := parseArgs(fs, args, 0, stderr); !ok {
		return code
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	for _, name := range []string{"last-contact-threshold", "server-stabilization-time"} {
		if d := fs.Lookup(name).Value.(flag.Getter).Get().(time.Duration); set[name] && d < 0 {
			return usageError(fs, stderr, fmt.Sprintf("Error: -%s must not be negative", name))
		}
	}
	client := hf.client()
	var c autopilotConfig
	if err := client.getJSON("/v1/operator/autopilot/configuration", nil, &c); err != nil {
		return reportError(stderr, "Error querying Autopilot configuration", err)
	}
	if set["cleanup-dead-servers"] {
		c.CleanupDeadServers = *cleanup
	}
	if set["last-contact-threshold"] {
		c.LastContactThreshold = lastContact.String()
	}
	if set["max-trailing-logs"] {
		c.MaxTrailingLogs = *maxTrailing
	}
	if set["min-quorum"] {
		c.MinQuorum = *minQuorum
	}
	if set["server-stabilization-time"] {
		c.ServerStabilizationTime = stabilization.String()
	}
	body, err := json.Marshal(c)
	if err != nil {
		return reportError(stderr, "Error encoding Autopilot configuration", err)
	}
	q := url.Values{"cas": {strconv.FormatUint(c.ModifyIndex, 10)}}
	resp, err := client.do(http.MethodPut, "/v1/operator/autopilot/configuration", q, body)
	if err != nil {
		return reportError(stderr, "Error setting Autopilot configuration", err)
	}
	if strings.TrimSpace(string(resp.body)) != "true" {
		fmt.Fprintln(stderr, "Configuration could not be atomically updated, please try again")
		return 1
	}
	fmt.Fprintln(stdout, "Configuration updated!")
	return 0
}

// autopilotState is /v1/operator/autopilot/state.
type autopilotState struct {
	Healthy                    bool
	FailureTolerance           int
	OptimisticFailureTolerance int
	Leader                     string
	Voters                     []string
	Servers                    map[string]struct {
		ID, Name, Address, NodeStatus, Version, LastContact, Status, NodeType string
		LastTerm, LastIndex                                                   uint64
		Healthy                                                               bool
	}
}

const autopilotStateUsage = `
Usage: cairn operator autopilot state [options]

  Displays the leader's view of the Raft servers: whether each is
  healthy, how far its log has come, when the leader last heard from it,
  and how many servers may fail before the cluster loses its quorum.
`

// runAutopilotState prints the state, as Consul's command does.
func runAutopilotState(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("operator autopilot state", autopilotStateUsage, stderr)
	hf := addHTTPFlags(fs, true)
	if code, ok := parseArgs(fs, args, 0, stderr); !ok {
		return code
	}
	var st autopilotState
	if err := hf.client().getJSON("/v1/operator/autopilot/state", nil, &st); err != nil {
		return reportError(stderr, "Error querying Autopilot state", err)
	}
	fmt.Fprintf(stdout, "Healthy:                      %v\n", st.Healthy)
	fmt.Fprintf(stdout, "Failure Tolerance:            %d\n", st.FailureTolerance)
	fmt.Fprintf(stdout, "Optimistic Failure Tolerance: %d\n", st.OptimisticFailureTolerance)
	fmt.Fprintf(stdout, "Leader:                       %s\n", st.Leader)
	fmt.Fprintln(stdout, "Voters:")
	for _, v := range st.Voters {
		fmt.Fprintf(stdout, "   %s\n", v)
	}
	fmt.Fprintln(stdout, "\nServers:")
	ids := make([]string, 0, len(st.Servers))
	for id := range st.Servers {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for _, id := range ids {
		s := st.Servers[id]
		fmt.Fprintf(stdout, "   %s\n", id)
		for _, kv := range [][2]string{{"Name", s.Name}, {"Address", s.Address}, {"Version", s.Version},
			{"Status", s.Status}, {"Node Type", s.NodeType}, {"Node Status", s.NodeStatus},
			{"Healthy", strconv.FormatBool(s.Healthy)}, {"Last Contact", s.LastContact},
			{"Last Term", strconv.FormatUint(s.LastTerm, 10)}, {"Last Index", strconv.FormatUint(s.LastIndex, 10)}} {
			fmt.Fprintf(stdout, "      %-13s %s\n", kv[0]+":", kv[1])
		}
	}
	return 0
}
