package main

import (
	"fmt"
	"io"
	"net/http"
	"net/url"
)

const leaveUsage = `
Usage: cairn leave [options]

  Makes the agent leave the cluster gracefully and shut down.
`

// runLeave asks the agent to leave gracefully.
func runLeave(args []string, stdout, stderr io.Writer) int {
	return runAgentPut(args, stdout, stderr, agentPut{
		name: "leave", usage: leaveUsage, path: "/v1/agent/leave",
		errPrefix: "Error leaving", done: "Graceful leave complete",
	})
}

const reloadUsage = `
Usage: cairn reload [options]

  Makes the agent re-read its configuration files: services, checks, log
  level and tokens change without a restart.
`

// runReload triggers a configuration reload on the agent.
func runReload(args []string, stdout, stderr io.Writer) int {
	return runAgentPut(args, stdout, stderr, agentPut{
		name: "reload", usage: reloadUsage, path: "/v1/agent/reload",
		errPrefix: "Error reloading", done: "Configuration reload triggered",
	})
}

// agentPut describes a command that takes no arguments and makes one PUT
// to the agent: leave and reload.
type agentPut struct {
	name, usage string
	path        string
	errPrefix   string
	done        string
}

// runAgentPut runs an agentPut command.
func runAgentPut(args []string, stdout, stderr io.Writer, p agentPut) int {
	fs := newFlagSet(p.name, p.usage, stderr)
	hf := addHTTPFlags(fs, false)
	if code, ok := parseArgs(fs, args, 0, stderr); !ok {
		return code
	}
	if _, err := hf.client().do(http.MethodPut, p.path, nil, nil); err != nil {
		return reportError(stderr, p.errPrefix, err)
	}
	fmt.Fprintln(stdout, p.done)
	return 0
}

const forceLeaveUsage = `
Usage: cairn force-leave [options] NODE

  Moves a failed member to the "left" state, so that it stops being
  reconnected to. -prune also removes it from the member list at once.
`

// runForceLeave marks a failed node as left; it prints nothing on
// success, as Consul's.
func runForceLeave(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("force-leave", forceLeaveUsage, stderr)
	prune := fs.Bool("prune", false, "Remove the node from the member list entirely")
	hf := addHTTPFlags(fs, false)
	if err := fs.Parse(args); err != nil {
		return exitForParse(err)
	}
	if fs.NArg() != 1 {
		return usageError(fs, stderr, "A single node name must be specified to force leave.")
	}
	q := url.Values{}
	if *prune {
		q.Set("prune", "1")
	}
	if _, err := hf.client().do(http.MethodPut, "/v1/agent/force-leave/"+url.PathEscape(fs.Arg(0)), q, nil); err != nil {
		return reportError(stderr, "Error force leaving", err)
	}
	return 0
}
