package main

import (
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
)

const eventUsage = `
Usage: cairn event [options] [PAYLOAD]

  Fires a user event through the datacenter's gossip pool. The event needs
  a -name; the payload is optional. -node, -service and -tag are regular
  expressions that limit which agents act on it.
`

// runEvent fires a user event and prints its ID.
func runEvent(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("event", eventUsage, stderr)
	name := fs.String("name", "", "Name of the event")
	node := fs.String("node", "", "Regular expression to filter on node names")
	service := fs.String("service", "", "Regular expression to filter on service names")
	tag := fs.String("tag", "", "Regular expression to filter on service tags (with -service)")
	hf := addHTTPFlags(fs, false)
	if err := fs.Parse(args); err != nil {
		return exitForParse(err)
	}
	if *name == "" {
		return usageError(fs, stderr, "Event name must be specified")
	}
	for _, f := range []struct{ what, re string }{{"node", *node}, {"service", *service}, {"tag", *tag}} {
		if _, err := regexp.Compile(f.re); err != nil {
			fmt.Fprintf(stderr, "Failed to compile %s filter regexp: %v\n", f.what, err)
			return 1
		}
	}
	if *tag != "" && *service == "" {
		return usageError(fs, stderr, "Cannot provide tag filter without service filter.")
	}
	var payload []byte
	switch fs.NArg() {
	case 0:
	case 1:
		payload = []byte(fs.Arg(0))
	default:
		return usageError(fs, stderr, "Too many command line arguments.")
	}
	q := url.Values{}
	for _, f := range []struct{ key, re string }{{"node", *node}, {"service", *service}, {"tag", *tag}} {
		if f.re != "" {
			q.Set(f.key, f.re)
		}
	}
	c := hf.client()
	resp, err := c.do(http.MethodPut, "/v1/event/fire/"+url.PathEscape(*name), q, payload)
	if err != nil {
		return reportError(stderr, "Error firing event", err)
	}
	var fired struct{ ID string }
	if err := decodeJSON(resp.body, &fired); err != nil {
		return reportError(stderr, "Error firing event", err)
	}
	fmt.Fprintf(stdout, "Event ID: %s\n", fired.ID)
	return 0
}
