package main

import (
	"errors"
	"flag"
	"fmt"
	"io"

	"github.com/cairn-sd/cairn/agent/config"
)

// errNoRuntime is returned by runAgent until the agent runtime is wired in.
var errNoRuntime = errors.New("agent runtime not built yet")

// runAgentCommand parses the agent's flags and config, then starts it.
func runAgentCommand(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("agent", flag.ContinueOnError)
	fs.SetOutput(stderr)
	flags := config.NewFlags(fs)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: cairn agent [options]")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return exitForParse(err)
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "cairn: agent: unexpected arguments %q\n", fs.Args())
		return 1
	}
	cfg, err := config.Load(flags.Options())
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	if err := runAgent(cfg, stdout); err != nil {
		fmt.Fprintf(stderr, "cairn: agent: %v\n", err)
		return 1
	}
	return 0
}

// runAgent runs the agent described by cfg until it stops.
func runAgent(cfg *config.Config, stdout io.Writer) error {
	fmt.Fprintf(stdout, "==> Configuration valid: node %q in datacenter %q (server: %t)\n",
		cfg.NodeName, cfg.Datacenter, cfg.Server)
	return errNoRuntime
}
