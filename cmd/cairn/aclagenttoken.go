package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
)

const setAgentTokenUsage = `
Usage: cairn acl set-agent-token [options] TYPE TOKEN

  Sets one of the agent's own ACL tokens until it restarts. TYPE is one of
  default (requests that carry no token, DNS included), agent (the agent's
  own writes: registering its node, services and checks), recovery (agent
  endpoints while no server can be reached) or replication (fetching ACLs
  from the primary datacenter). Under default deny, setting the agent
  token is the usual step that lets an agent register itself.
`

// agentTokenTypes maps the command's TYPE names to the HTTP API's. The
// legacy names Consul still accepts are passed through as they are.
var agentTokenTypes = map[string]string{
	"default":                "default",
	"agent":                  "agent",
	"recovery":               "agent_recovery",
	"agent_recovery":         "agent_recovery",
	"master":                 "agent_recovery",
	"agent_master":           "agent_recovery",
	"replication":            "replication",
	"acl_token":              "acl_token",
	"acl_agent_token":        "acl_agent_token",
	"acl_agent_master_token": "acl_agent_master_token",
	"acl_replication_token":  "acl_replication_token",
}

// runACLSetAgentToken sets a token (PUT /v1/agent/token/<type>).
func runACLSetAgentToken(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("acl set-agent-token", setAgentTokenUsage, stderr)
	hf := addHTTPFlags(fs, false)
	if code, ok := parseArgs(fs, args, 2, stderr); !ok {
		return code
	}
	if fs.NArg() != 2 {
		return usageError(fs, stderr, "Missing TYPE and TOKEN arguments")
	}
	kind, token := fs.Arg(0), fs.Arg(1)
	apiName, ok := agentTokenTypes[kind]
	if !ok {
		return usageError(fs, stderr, fmt.Sprintf("Unknown token type %q (want default, agent, recovery or replication)", kind))
	}
	if token == "" {
		return usageError(fs, stderr, "TOKEN must not be empty")
	}
	c := hf.client()
	body, err := json.Marshal(struct{ Token string }{token})
	if err != nil {
		return aclError(stderr, c, "Failed encoding the request", err, token)
	}
	if _, err := c.do(http.MethodPut, "/v1/agent/token/"+apiName, nil, body); err != nil {
		return aclError(stderr, c, fmt.Sprintf("Failed setting token %q", kind), err, token)
	}
	fmt.Fprintf(stdout, "ACL token %q set successfully\n", kind)
	return 0
}
