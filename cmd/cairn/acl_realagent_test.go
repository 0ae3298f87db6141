package main

import (
	"regexp"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// secretLine finds the SecretID in a printed token.
var secretLine = regexp.MustCompile(`(?m)^SecretID:\s+(\S+)$`)

// accessorLine finds the AccessorID in a printed token.
var accessorLine = regexp.MustCompile(`(?m)^AccessorID:\s+(\S+)$`)

// runCairnOK runs cairn, requires exit code 0 and returns its stdout.
func runCairnOK(t *testing.T, args ...string) string {
	t.Helper()
	code, out, errOut := runCairn(args...)
	require.Equal(t, 0, code, "cairn %v: %s", args, errOut)
	return out
}

// field returns the first submatch of re in out; the test fails if
// there is none.
func field(t *testing.T, re *regexp.Regexp, out string) string {
	t.Helper()
	m := re.FindStringSubmatch(out)
	require.NotNil(t, m, out)
	return m[1]
}

// TestACLCommandsAgainstARealAgent walks the seed's ACL steps on an
// in-process agent with default_policy deny: bootstrap once, refuse the
// second, then a policy and a token made, read, updated and deleted
// with the management token, and a narrow token refused where it lacks
// acl:read.
func TestACLCommandsAgainstARealAgent(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a real agent")
	}
	c := startDevAgent(t, `{"node_name": "node1", "acl": {"enabled": true, "default_policy": "deny"},
		"ports": {"http": 0, "server": 0, "serf_lan": 0, "serf_wan": 0, "dns": 0}}`)
	require.Eventually(t, func() bool {
		var leader string
		return c.getJSON("/v1/status/leader", nil, &leader) == nil && leader != ""
	}, realAgentWait, 10*time.Millisecond, "the agent never elected itself")

	var boot string
	require.Eventually(t, func() bool {
		code, out, _ := runCairn("acl", "bootstrap")
		boot = out
		return code == 0
	}, realAgentWait, 50*time.Millisecond, "bootstrap never succeeded")
	mgmt := field(t, secretLine, boot)
	require.Contains(t, boot, "Description:      Bootstrap Token (Global Management)\n")
	require.Contains(t, boot, " - global-management\n")

	code, _, errOut := runCairn("acl", "bootstrap")
	require.Equal(t, 1, code)
	require.Regexp(t, `^Failed ACL bootstrapping: Unexpected response code: 403 \(.*ACL bootstrap no longer allowed \(reset index: \d+\)\)\n`+
		`To bootstrap again, write \d+ into acl-bootstrap-reset in the leader's data_dir\.\n$`, errOut)

	t.Setenv("CAIRN_HTTP_TOKEN", mgmt)
	policy := runCairnOK(t, "acl", "policy", "create", "-name=kv-read", "-description=read KV", "-rules", `key_prefix "" { policy = "read" }`)
	require.Contains(t, policy, "Name:         kv-read\nDescription:  read KV\n")
	require.Contains(t, runCairnOK(t, "acl", "policy", "list"), "kv-read:\n")
	require.Contains(t, runCairnOK(t, "acl", "policy", "update", "-id="+field(t, regexp.MustCompile(`(?m)^ID:\s+(\S+)$`), policy),
		"-description=read all KV"), "Description:  read all KV\n")

	token := runCairnOK(t, "acl", "token", "create", "-description=reader", "-policy-name=kv-read")
	reader, accessor := field(t, secretLine, token), field(t, accessorLine, token)
	require.Contains(t, token, " - kv-read\n")
	self := runCairnOK(t, "acl", "token", "read", "-self", "-token="+reader)
	require.Contains(t, self, "AccessorID:       "+accessor+"\n")
	require.Contains(t, self, "Description:      reader\n")

	code, out, errOut := runCairn("acl", "token", "list", "-token="+reader)
	require.Equal(t, 1, code)
	require.Empty(t, out)
	require.Contains(t, errOut, "Failed to retrieve the token list: Unexpected response code: 403")
	require.NotContains(t, errOut, reader)

	list := runCairnOK(t, "acl", "token", "list")
	require.Contains(t, list, "AccessorID:       "+accessor+"\n")
	require.NotContains(t, list, reader)

	require.Contains(t, runCairnOK(t, "acl", "token", "update", "-id="+accessor, "-description=renamed"), "Description:      renamed\n")
	require.Contains(t, runCairnOK(t, "acl", "token", "delete", "-id="+accessor), "deleted successfully")
	require.Contains(t, runCairnOK(t, "acl", "policy", "delete", "-name=kv-read"), "deleted successfully")
	code, _, _ = runCairn("acl", "policy", "read", "-name=kv-read")
	require.Equal(t, 1, code)
}
