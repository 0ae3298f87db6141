package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
)

const keyringUsage = `
Usage: cairn keyring [options]

  Manages the gossip encryption keys of every member of the cluster,
  through /v1/operator/keyring. Exactly one action is required:
  -list, -list-primary, -install, -use or -remove.

  To rotate the key without downtime: install the new key everywhere,
  use it everywhere, then remove the old one. Each action reports, per
  gossip pool, how many members hold each key; it fails (exit 1) when any
  member failed or did not answer.
`

// keyringPool is one pool's answer to a list, in Consul's shape.
type keyringPool struct {
	WAN         bool
	Datacenter  string
	Segment     string
	Messages    map[string]string
	Keys        map[string]int
	PrimaryKeys map[string]int
	NumNodes    int
}

// keyringAction is the one operation a keyring command runs.
type keyringAction struct {
	method, key, banner, failure string
}

// runKeyring lists or changes the gossip keys of the cluster.
func runKeyring(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("keyring", keyringUsage, stderr)
	list := fs.Bool("list", false, "List the keys installed on the members")
	listPrimary := fs.Bool("list-primary", false, "List only the primary key of the members")
	install := fs.String("install", "", "Install a new base64 key on every member")
	use := fs.String("use", "", "Make an installed key the primary on every member")
	remove := fs.String("remove", "", "Remove a key (not the primary) from every member")
	relay := fs.Int("relay-factor", 0, "Members that relay each answer to the asking server (0-5)")
	hf := addHTTPFlags(fs, false)
	if code, ok := parseArgs(fs, args, 0, stderr); !ok {
		return code
	}
	var actions []keyringAction
	if *list || *listPrimary {
		actions = append(actions, keyringAction{method: http.MethodGet,
			banner: "==> Gathering installed encryption keys...", failure: "Error listing keys"})
	}
	for _, a := range []keyringAction{
		{http.MethodPost, *install, "==> Installing new gossip encryption key...", "Error installing key"},
		{http.MethodPut, *use, "==> Changing primary gossip encryption key...", "Error changing primary key"},
		{http.MethodDelete, *remove, "==> Removing gossip encryption key...", "Error removing key"},
	} {
		if a.key != "" {
			actions = append(actions, a)
		}
	}
	switch {
	case len(actions) == 0:
		return usageError(fs, stderr, "At least one action (-list, -list-primary, -install, -use, -remove) is required")
	case len(actions) > 1 || (*list && *listPrimary):
		return usageError(fs, stderr, "Only a single action is allowed")
	case *relay < 0 || *relay > 5:
		return usageError(fs, stderr, "Relay factor must be in range: [0, 5]")
	}
	q := url.Values{}
	if *relay > 0 {
		q.Set("relay-factor", strconv.Itoa(*relay))
	}
	a := actions[0]
	fmt.Fprintln(stdout, a.banner)
	c := hf.client()
	if a.method != http.MethodGet {
		body, err := json.Marshal(struct{ Key string }{a.key})
		if err != nil {
			return reportError(stderr, a.failure, err)
		}
		if _, err := c.do(a.method, "/v1/operator/keyring", q, body); err != nil {
			return reportError(stderr, a.failure, err)
		}
		return 0
	}
	var pools []keyringPool
	if err := c.getJSON("/v1/operator/keyring", q, &pools); err != nil {
		return reportError(stderr, a.failure, err)
	}
	printKeyring(stdout, pools, *listPrimary)
	return 0
}

// printKeyring prints each pool's keys, Consul's way: the pool's name,
// then "  <key> [holders/members]" for each key, sorted.
func printKeyring(w io.Writer, pools []keyringPool, primaryOnly bool) {
	for _, p := range pools {
		name := p.Datacenter + " (LAN)"
		if p.WAN {
			name = "WAN"
		}
		if p.Segment != "" {
			name += " [" + p.Segment + "]"
		}
		fmt.Fprintf(w, "\n%s:\n", name)
		counts := p.Keys
		if primaryOnly {
			counts = p.PrimaryKeys
		}
		keys := make([]string, 0, len(counts))
		for k := range counts {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			fmt.Fprintf(w, "  %s [%d/%d]\n", k, counts[k], p.NumNodes)
		}
	}
}
