package main

import (
	"flag"
	"fmt"
	"io"

	"github.com/cairn-sd/cairn/agent/config"
)

// runValidate loads config files and directories exactly as the agent
// would and reports whether they are valid.
func runValidate(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("validate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	quiet := fs.Bool("quiet", false, "print nothing when the configuration is valid")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: cairn validate [-quiet] <file-or-dir>...")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return exitForParse(err)
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return 1
	}
	if _, err := config.Load(config.Options{ConfigPaths: fs.Args()}); err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	if !*quiet {
		fmt.Fprintln(stdout, "Configuration is valid!")
	}
	return 0
}

// exitForParse is the exit code after a flag parsing error: 0 when help
// was asked for, 1 otherwise (the flag package has printed the problem).
func exitForParse(err error) int {
	if err == flag.ErrHelp {
		return 0
	}
	return 1
}
