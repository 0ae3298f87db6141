package main

import (
	"flag"
	"fmt"
	"io"
	"strings"
)

// newFlagSet returns a flag set for one client command. Its usage text
// (the first line "Usage: cairn ...", then a paragraph) and the flag
// list go to stderr on -h and on a bad flag, as Consul's CLI does.
func newFlagSet(name, usage string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, strings.TrimSpace(usage))
		fmt.Fprintln(stderr)
		fmt.Fprintln(stderr, "Options:")
		fs.PrintDefaults()
	}
	return fs
}

// usageError prints msg, then the command's usage, and returns exit code 1.
func usageError(fs *flag.FlagSet, stderr io.Writer, msg string) int {
	fmt.Fprintln(stderr, msg)
	fmt.Fprintln(stderr)
	fs.Usage()
	return 1
}

// runGroup dispatches a command that only groups others ("kv",
// "catalog", "operator raft") to the subcommand named by args[0].
func runGroup(group string, subs []command, args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 {
		switch args[0] {
		case "-h", "-help", "--help":
			groupUsage(stdout, group, subs)
			return 0
		}
		for _, c := range subs {
			if c.name == args[0] {
				return c.run(args[1:], stdout, stderr)
			}
		}
		fmt.Fprintf(stderr, "cairn: unknown command %q\n\n", group+" "+args[0])
	}
	groupUsage(stderr, group, subs)
	return 1
}

// groupUsage lists a group's subcommands.
func groupUsage(w io.Writer, group string, subs []command) {
	fmt.Fprintf(w, "Usage: cairn %s <subcommand> [options] [args]\n\n", group)
	fmt.Fprintln(w, "Subcommands:")
	for _, c := range subs {
		fmt.Fprintf(w, "    %-14s %s\n", c.name, c.synopsis)
	}
}

// parseArgs parses a command's flags and allows at most maxArgs
// positional arguments. It returns ok=false with the exit code when the
// command must stop: help was asked for, a flag was bad, or too many
// arguments were given.
func parseArgs(fs *flag.FlagSet, args []string, maxArgs int, stderr io.Writer) (code int, ok bool) {
	if err := fs.Parse(args); err != nil {
		return exitForParse(err), false
	}
	if fs.NArg() > maxArgs {
		return usageError(fs, stderr, fmt.Sprintf("Too many arguments (expected %d, got %d)", maxArgs, fs.NArg())), false
	}
	return 0, true
}
