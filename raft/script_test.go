package raft

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

var rewriteScripts = flag.Bool("raft.rewrite", false, "rewrite testdata/*.txt with the actual output")

// TestScripts runs the scenario scripts in testdata/. Each script is a list
// of commands, each followed by a "----" line and the output it must
// produce, then a blank line; lines starting with # are comments. Run with
// -raft.rewrite to regenerate the expected output, then review the diff.
func TestScripts(t *testing.T) {
	files, err := filepath.Glob("testdata/*.txt")
	require.NoError(t, err)
	require.NotEmpty(t, files)
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) { runScript(t, file) })
	}
}

// scriptStep is one command of a script with the lines before it.
type scriptStep struct {
	pre  []string
	cmd  string
	want string
}

func parseScript(t *testing.T, text string) ([]scriptStep, []string) {
	lines := strings.Split(strings.TrimRight(text, "\n"), "\n")
	var steps []scriptStep
	var pre []string
	for i := 0; i < len(lines); i++ {
		l := lines[i]
		if l == "" || strings.HasPrefix(l, "#") {
			pre = append(pre, l)
			continue
		}
		require.True(t, i+1 < len(lines) && lines[i+1] == "----", "line %d: command without ----", i+1)
		var out []string
		for i += 2; i < len(lines) && lines[i] != ""; i++ {
			out = append(out, lines[i])
		}
		steps = append(steps, scriptStep{pre: pre, cmd: l, want: strings.Join(out, "\n")})
		pre = nil
	}
	return steps, pre
}

func runScript(t *testing.T, file string) {
	text, err := os.ReadFile(file)
	require.NoError(t, err)
	steps, tail := parseScript(t, string(text))
	var c *cluster
	var b strings.Builder
	for _, st := range steps {
		got := runCommand(t, &c, st.cmd)
		for _, p := range st.pre {
			b.WriteString(p + "\n")
		}
		fmt.Fprintf(&b, "%s\n----\n%s\n\n", st.cmd, got)
		if !*rewriteScripts {
			require.Equal(t, st.want, got, "%s: %s", file, st.cmd)
		}
	}
	for _, p := range tail {
		b.WriteString(p + "\n")
	}
	if *rewriteScripts {
		out := strings.TrimRight(b.String(), "\n") + "\n"
		require.NoError(t, os.WriteFile(file, []byte(out), 0o644))
	}
}

// runCommand executes one script command and returns its output.
func runCommand(t *testing.T, cp **cluster, line string) string {
	fields := strings.Fields(line)
	cmd, args := fields[0], fields[1:]
	kv := map[string]string{}
	var pos []string
	for _, a := range args {
		if k, v, ok := strings.Cut(a, "="); ok {
			kv[k] = v
		} else {
			pos = append(pos, a)
		}
	}
	if cmd == "cluster" {
		*cp = scriptCluster(t, kv)
		return "ok"
	}
	c := *cp
	var out []string
	c.trace = func(m Message) { out = append(out, formatMessage(m)) }
	defer func() { c.trace = nil }()
	switch cmd {
	case "campaign":
		c.servers[ServerID(pos[0])].node.Campaign()
		c.process(ServerID(pos[0]))
	case "stabilize":
		c.stabilize()
	case "tick":
		n, err := strconv.Atoi(kv["n"])
		require.NoError(t, err)
		c.tick(n)
		out = nil // ticks produce heartbeats; the script asks for status instead
	case "propose":
		i, term, err := c.servers[ServerID(pos[0])].node.Propose([]byte(pos[1]))
		return fmtResult(fmt.Sprintf("index=%d term=%d", i, term), err)
	case "read":
		return fmtResult("ok", c.servers[ServerID(pos[0])].node.ReadIndex([]byte(pos[1])))
	case "transfer":
		return fmtResult("ok", c.servers[ServerID(pos[0])].node.TransferLeadership(ServerID(pos[1])))
	case "isolate":
		c.isolate(ServerID(pos[0]))
	case "heal":
		c.heal()
	case "status":
		for _, id := range c.ids {
			out = append(out, formatStatus(c.servers[id]))
		}
	case "log":
		out = append(out, formatLog(c.servers[ServerID(pos[0])].node))
	default:
		t.Fatalf("unknown command %q", cmd)
	}
	if len(out) == 0 {
		return "ok"
	}
	return strings.Join(out, "\n")
}

func scriptCluster(t *testing.T, kv map[string]string) *cluster {
	n, err := strconv.Atoi(kv["n"])
	require.NoError(t, err)
	preVote, checkQuorum := kv["prevote"] != "false", kv["checkquorum"] != "false"
	return newCluster(t, n, 1, func(c *Config) { c.PreVote, c.CheckQuorum = preVote, checkQuorum })
}

func fmtResult(ok string, err error) string {
	if err != nil {
		return "error: " + err.Error()
	}
	return ok
}

func formatStatus(s *testServer) string {
	st := s.node.Status()
	var reads []string
	for _, r := range s.reads {
		reads = append(reads, fmt.Sprintf("%s@%d", r.Context, r.Index))
	}
	line := fmt.Sprintf("%s %s term=%d lead=%s commit=%d applied=%d last=%d", st.ID, st.Role,
		st.HardState.Term, st.Lead, st.HardState.Commit, st.Applied, st.LastIndex)
	if len(reads) > 0 {
		line += " reads=[" + strings.Join(reads, " ") + "]"
	}
	return line
}

func formatLog(n *Node) string {
	var parts []string
	for i := n.log.firstIndex(); i <= n.log.lastIndex(); i++ {
		parts = append(parts, formatEntry(n.log.entry(i)))
	}
	return strings.Join(parts, " ")
}

func formatEntry(e Entry) string {
	switch e.Type {
	case EntryNoop:
		return fmt.Sprintf("%d/%d:noop", e.Index, e.Term)
	case EntryConfig:
		return fmt.Sprintf("%d/%d:config", e.Index, e.Term)
	}
	return fmt.Sprintf("%d/%d:%s", e.Index, e.Term, e.Data)
}

// formatMessage prints the fields of m that its type uses.
func formatMessage(m Message) string {
	s := fmt.Sprintf("%s->%s %s term=%d", m.From, m.To, m.Type, m.Term)
	switch m.Type {
	case MsgApp:
		var ents []string
		for _, e := range m.Entries {
			ents = append(ents, formatEntry(e))
		}
		s += fmt.Sprintf(" prev=%d/%d commit=%d entries=[%s]", m.Index, m.LogTerm, m.Commit, strings.Join(ents, " "))
	case MsgAppResp:
		s += fmt.Sprintf(" index=%d", m.Index)
		if m.Reject {
			s += fmt.Sprintf(" reject hint=%d conflict-term=%d", m.RejectHint, m.LogTerm)
		}
	case MsgVote, MsgPreVote:
		s += fmt.Sprintf(" last=%d/%d", m.Index, m.LogTerm)
		if m.Transfer {
			s += " transfer"
		}
	case MsgVoteResp, MsgPreVoteResp:
		if m.Reject {
			s += " reject"
		}
	case MsgHeartbeat:
		s += fmt.Sprintf(" commit=%d", m.Commit)
	case MsgSnap:
		s += fmt.Sprintf(" snapshot=%d/%d", m.Snapshot.Index, m.Snapshot.Term)
	}
	return s
}
