package main

import (
	"fmt"
	"io"
	"os"
)

// command is one subcommand of cairn.
type command struct {
	name     string
	synopsis string
	run      func(args []string, stdout, stderr io.Writer) int
}

// commands lists the subcommands in the order usage shows them.
func commands() []command {
	return []command{
		{"acl", "Interact with the ACL system: bootstrap, policies, tokens", runACL},
		{"agent", "Run a cairn agent", runAgentCommand},
		{"catalog", "Interact with the catalog", runCatalog},
		{"completion", "Print a shell completion script (bash, zsh, fish)", runCompletion},
		{"event", "Fire a new event", runEvent},
		{"force-leave", "Force a member of the cluster to enter the \"left\" state", runForceLeave},
		{"info", "Print debugging information for operators", runInfo},
		{"join", "Tell the agent to join a cluster", runJoin},
		{"keygen", "Generate a new gossip encryption key", runKeygen},
		{"keyring", "Manage the gossip encryption keys of the cluster", runKeyring},
		{"kv", "Interact with the key-value store", runKV},
		{"leave", "Gracefully leave the cluster and shut down the agent", runLeave},
		{"lock", "Execute a command holding a lock", runLock},
		{"maint", "Control node or service maintenance mode", runMaint},
		{"members", "List the members of the cluster", runMembers},
		{"monitor", "Stream the agent's log", runMonitor},
		{"operator", "Operate on the Raft configuration", runOperator},
		{"reload", "Trigger the agent to reload its configuration files", runReload},
		{"rtt", "Estimate the network round trip time between nodes", runRTT},
		{"snapshot", "Save and restore snapshots of the cluster state", runSnapshot},
		{"tls", "Create a CA and certificates for the agents' TLS", runTLS},
		{"validate", "Check config files or directories for errors", runValidate},
		{"version", "Print the cairn version", runVersion},
		{"watch", "Watch for changes in the catalog or KV store", runWatch},
	}
}

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run dispatches args[0] to its subcommand and returns the exit code.
func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		usage(stderr)
		return 1
	}
	switch args[0] {
	case "-h", "-help", "--help", "help":
		usage(stdout)
		return 0
	case "-v", "-version", "--version":
		return runVersion(nil, stdout, stderr)
	case "-autocomplete-install":
		return runAutocomplete(true, stdout, stderr)
	case "-autocomplete-uninstall":
		return runAutocomplete(false, stdout, stderr)
	}
	for _, c := range commands() {
		if c.name == args[0] {
			return c.run(args[1:], stdout, stderr)
		}
	}
	fmt.Fprintf(stderr, "cairn: unknown command %q\n\n", args[0])
	usage(stderr)
	return 1
}

// usage prints the list of subcommands.
func usage(w io.Writer) {
	fmt.Fprintln(w, "Usage: cairn <command> [args]")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Commands:")
	for _, c := range commands() {
		fmt.Fprintf(w, "    %-12s %s\n", c.name, c.synopsis)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Shell completion: cairn -autocomplete-install (or -autocomplete-uninstall)")
}
