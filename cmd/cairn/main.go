// Command cairn is the single binary of cairn: it runs an agent and, as a
// client of an agent's HTTP API, carries out the operator's commands. Its
// verbs and flags follow Consul's CLI.
//
// Each subcommand is a function from arguments and output streams to an
// exit code, so that tests run it in-process.
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
		{"agent", "Run a cairn agent", runAgentCommand},
		{"keygen", "Generate a new gossip encryption key", runKeygen},
		{"validate", "Check config files or directories for errors", runValidate},
		{"version", "Print the cairn version", runVersion},
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
		fmt.Fprintf(w, "    %-10s %s\n", c.name, c.synopsis)
	}
}
