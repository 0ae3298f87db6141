package main

import (
	"os/exec"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestCompletionScriptsNameEveryCommand checks each shell's script lists
// the top-level commands and the subcommands of every group.
func TestCompletionScriptsNameEveryCommand(t *testing.T) {
	for _, shell := range []string{"bash", "zsh", "fish"} {
		code, out, errOut := runCairn("completion", shell)
		require.Equal(t, 0, code, errOut)
		for _, c := range commands() {
			require.Contains(t, out, c.name, shell)
		}
		for _, sub := range []string{"list-peers", "remove-peer", "datacenters", "export", "import"} {
			require.Contains(t, out, sub, shell)
		}
	}
	code, _, errOut := runCairn("completion", "tcsh")
	require.Equal(t, 1, code)
	require.Contains(t, errOut, "Usage: cairn completion bash|zsh|fish")
	code, _, _ = runCairn("completion")
	require.Equal(t, 1, code)
}

// TestBashCompletionCompletesInABashShell loads the script into bash and
// asks it to complete partial command lines.
func TestBashCompletionCompletesInABashShell(t *testing.T) {
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("bash not installed")
	}
	_, script, _ := runCairn("completion", "bash")
	complete := func(words ...string) string {
		cmd := exec.Command(bash, "--norc", "--noprofile", "-c",
			script+`COMP_WORDS=("$@"); COMP_CWORD=$(( $# - 1 )); _cairn; echo "${COMPREPLY[*]}"`, "cairn")
		cmd.Args = append(cmd.Args, words...)
		out, err := cmd.Output()
		require.NoError(t, err)
		return strings.TrimSpace(string(out))
	}
	require.Equal(t, "keygen keyring kv", complete("cairn", "k"))
	require.Equal(t, "get", complete("cairn", "kv", "g"))
	require.Equal(t, "list-peers", complete("cairn", "operator", "raft", "l"))
	require.Equal(t, "datacenters nodes services", complete("cairn", "catalog", ""))
	require.Equal(t, "", complete("cairn", "members", ""))
	require.Equal(t, "bash", complete("cairn", "completion", "b"))
}

// TestUsageListsEveryClientCommandWithAHelpLine checks the dispatcher
// table names each client command with its synopsis.
func TestUsageListsEveryClientCommandWithAHelpLine(t *testing.T) {
	code, out, _ := runCairn("help")
	require.Equal(t, 0, code)
	for _, name := range []string{"catalog", "completion", "event", "force-leave", "info", "join", "kv",
		"leave", "maint", "members", "operator", "reload", "rtt"} {
		var line string
		for _, l := range strings.Split(out, "\n") {
			if f := strings.Fields(l); len(f) > 1 && f[0] == name {
				line = l
			}
		}
		require.NotEmpty(t, line, name)
	}
}
