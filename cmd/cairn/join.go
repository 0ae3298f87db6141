package main

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
)

const joinUsage = `
Usage: cairn join [options] ADDRESS...

  Tells the agent to join the gossip pool through each ADDRESS (host or
  host:port of a member's serf port). -wan joins the WAN pool of servers.
`

// runJoin asks the agent to join each address and reports how many it
// reached; it fails if none was reached, and stops at once if the agent
// itself cannot be reached.
func runJoin(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("join", joinUsage, stderr)
	wan := fs.Bool("wan", false, "Join the WAN pool (servers only)")
	hf := addHTTPFlags(fs, false)
	if err := fs.Parse(args); err != nil {
		return exitForParse(err)
	}
	if fs.NArg() == 0 {
		return usageError(fs, stderr, "At least one address to join must be specified.")
	}
	q := url.Values{}
	if *wan {
		q.Set("wan", "1")
	}
	c := hf.client()
	joined := 0
	for _, addr := range fs.Args() {
		_, err := c.do(http.MethodPut, "/v1/agent/join/"+url.PathEscape(addr), q, nil)
		var ce *connError
		switch {
		case errors.As(err, &ce):
			return reportError(stderr, "", err)
		case err != nil:
			reportError(stderr, fmt.Sprintf("Error joining address '%s'", addr), err)
			continue
		}
		joined++
	}
	if joined == 0 {
		fmt.Fprintln(stderr, "Failed to join any nodes.")
		return 1
	}
	fmt.Fprintf(stdout, "Successfully joined cluster by contacting %d nodes.\n", joined)
	return 0
}
