package runtime

import (
	"net/http"
	"sync"

	"go.uber.org/zap"
)

// The agent's well-known tokens can be replaced at run time
// (PUT /v1/agent/token/<name>, `cairn acl set-agent-token`), the usual step
// under default deny. cairn keeps them in memory only: a restart goes back
// to the config's (acl.enable_token_persistence is not implemented).

// agentTokens are the tokens set through the API, over the config's.
type agentTokens struct {
	mu  sync.Mutex
	set map[string]string
}

// tokenNames maps the API's names (Consul's, legacy ones included) to
// the token they set.
var tokenNames = map[string]string{
	"default": "default", "acl_token": "default",
	"agent": "agent", "acl_agent_token": "agent",
	"agent_recovery": "agent_recovery", "agent_master": "agent_recovery", "acl_agent_master_token": "agent_recovery",
	"replication": "replication", "acl_replication_token": "replication",
}

// defaultToken is the token of requests that carry none.
func (a *Agent) defaultToken() string {
	a.tokens.mu.Lock()
	defer a.tokens.mu.Unlock()
	if t, ok := a.tokens.set["default"]; ok {
		return t
	}
	return string(a.cfg.ACL.Tokens.Default)
}

// agentToken serves PUT /v1/agent/token/<name> with body {"Token": "..."}.
func (a *Agent) agentToken(w http.ResponseWriter, r *http.Request, name string) error {
	if a.acl == nil {
		return errACLDisabled
	}
	which, ok := tokenNames[name]
	if !ok {
		return notFound("Token %q is unknown", name)
	}
	var body struct{ Token string }
	if err := decodeBody(r, &body); err != nil {
		return err
	}
	if err := permission(authz(r).AgentWrite(a.cfg.NodeName)); err != nil {
		return err
	}
	a.tokens.mu.Lock()
	if a.tokens.set == nil {
		a.tokens.set = map[string]string{}
	}
	a.tokens.set[which] = body.Token
	a.tokens.mu.Unlock()
	a.logger.Info("agent token updated", zap.String("token", which))
	return nil
}
