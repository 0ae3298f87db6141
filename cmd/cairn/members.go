package main

import (
	"fmt"
	"io"
	"net"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// agentMember is one gossip pool member as /v1/agent/members lists it.
type agentMember struct {
	Name   string
	Addr   string
	Port   uint16
	Tags   map[string]string
	Status int
}

// memberStatusNames are the names of Serf's member states, by number.
var memberStatusNames = []string{"none", "alive", "leaving", "left", "failed"}

// memberStatus names a member state as Consul's CLI prints it.
func memberStatus(s int) string {
	if s >= 0 && s < len(memberStatusNames) {
		return memberStatusNames[s]
	}
	return fmt.Sprintf("unknown MemberStatus %d", s)
}

const membersUsage = `
Usage: cairn members [options]

  Lists the members of the gossip pool the agent belongs to: the LAN pool,
  or with -wan the servers of every datacenter. Exits 2 when no member
  matches -status.
`

// runMembers prints the members table.
func runMembers(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("members", membersUsage, stderr)
	detailed := fs.Bool("detailed", false, "Print every tag of each member")
	wan := fs.Bool("wan", false, "List the WAN pool (servers of all datacenters)")
	status := fs.String("status", ".*", "Regular expression a member's status must match")
	hf := addHTTPFlags(fs, false)
	if code, ok := parseArgs(fs, args, 0, stderr); !ok {
		return code
	}
	statusRe, err := regexp.Compile(*status)
	if err != nil {
		fmt.Fprintf(stderr, "Failed to compile status regexp: %v\n", err)
		return 1
	}
	q := url.Values{}
	if *wan {
		q.Set("wan", "1")
	}
	var members []agentMember
	if err := hf.client().getJSON("/v1/agent/members", q, &members); err != nil {
		return reportError(stderr, "Error retrieving members", err)
	}
	shown := members[:0]
	for _, m := range members {
		if statusRe.MatchString(memberStatus(m.Status)) {
			shown = append(shown, normalizeMemberTags(m))
		}
	}
	if len(shown) == 0 {
		return 2
	}
	sortMembers(shown)
	if *detailed {
		fmt.Fprintln(stdout, formatColumns(detailedMemberRows(shown)))
	} else {
		fmt.Fprintln(stdout, formatColumns(memberRows(shown)))
	}
	return 0
}

// normalizeMemberTags fills the partition and segment columns as Consul
// does for its default partition: partition "default", segment "<all>"
// for servers (they sit in every segment) and "<default>" for clients.
func normalizeMemberTags(m agentMember) agentMember {
	tags := make(map[string]string, len(m.Tags)+2)
	for k, v := range m.Tags {
		tags[k] = v
	}
	if tags["ap"] == "" {
		tags["ap"] = "default"
	}
	switch {
	case tags["ap"] != "default":
		tags["segment"] = ""
	case tags["role"] == "consul":
		tags["segment"] = "<all>"
	case tags["segment"] == "":
		tags["segment"] = "<default>"
	}
	m.Tags = tags
	return m
}

// sortMembers orders servers first, then the default partition, then by
// segment, partition and name.
func sortMembers(ms []agentMember) {
	sort.SliceStable(ms, func(i, j int) bool {
		a, b := ms[i].Tags, ms[j].Tags
		if sa, sb := a["role"] == "consul", b["role"] == "consul"; sa != sb {
			return sa
		}
		if da, db := a["ap"] == "default", b["ap"] == "default"; da != db {
			return da
		}
		if a["segment"] != b["segment"] {
			return a["segment"] < b["segment"]
		}
		if a["ap"] != b["ap"] {
			return a["ap"] < b["ap"]
		}
		return ms[i].Name < ms[j].Name
	})
}

// memberAddr renders a member's gossip address as host:port.
func memberAddr(m agentMember) string {
	return net.JoinHostPort(m.Addr, strconv.Itoa(int(m.Port)))
}

// memberRows is the standard table: one row per member.
func memberRows(ms []agentMember) [][]string {
	rows := [][]string{{"Node", "Address", "Status", "Type", "Build", "Protocol", "DC", "Partition", "Segment"}}
	for _, m := range ms {
		t := m.Tags
		var typ string
		switch t["role"] {
		case "consul":
			typ = "server"
		case "node":
			typ = "client"
		default:
			rows = append(rows, []string{m.Name, memberAddr(m), memberStatus(m.Status), "unknown", "", "", "", "", ""})
			continue
		}
		build := t["build"]
		if build == "" {
			build = "< 0.3"
		} else if i := strings.Index(build, ":"); i >= 0 {
			build = build[:i]
		}
		rows = append(rows, []string{m.Name, memberAddr(m), memberStatus(m.Status), typ,
			build, t["vsn"], t["dc"], t["ap"], t["segment"]})
	}
	return rows
}

// detailedMemberRows is the -detailed table: every tag as k=v, sorted.
func detailedMemberRows(ms []agentMember) [][]string {
	rows := [][]string{{"Node", "Address", "Status", "Tags"}}
	for _, m := range ms {
		rows = append(rows, []string{m.Name, memberAddr(m), memberStatus(m.Status), sortedPairs(m.Tags, ",")})
	}
	return rows
}

// sortedPairs renders a map as "k=v" items sorted by key, joined by sep.
func sortedPairs(m map[string]string, sep string) string {
	keys := sortedKeys(m)
	items := make([]string, len(keys))
	for i, k := range keys {
		items[i] = k + "=" + m[k]
	}
	return strings.Join(items, sep)
}
