package main

import (
	"fmt"
	"io"
)

// Version is cairn's release version.
const Version = "v0.1.0-dev"

// Protocol versions this build speaks. They must move together with the
// version bytes written by swim/ (gossip packets) and raft/wal (log
// segments).
const (
	gossipProtocol = 1
	raftLogFormat  = 1
)

// runVersion prints the version and the protocol versions.
func runVersion(args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 {
		fmt.Fprintln(stderr, "Usage: cairn version")
		return 1
	}
	fmt.Fprintf(stdout, "cairn %s\n", Version)
	fmt.Fprintf(stdout, "Protocol versions: gossip %d, raft log %d\n", gossipProtocol, raftLogFormat)
	return 0
}
