package runtime

import (
	"net/http"
	"sync"

	"go.uber.org/zap"

	"github.com/cairn-sd/cairn/agent/config"
)

// The agent's well-known tokens come from the config (acl.tokens, read
// again on reload) and can be replaced at run time (PUT
// /v1/agent/token/<name>, `cairn acl set-agent-token`), the usual step
// under default deny. cairn keeps the API's in memory only: a restart goes
// back to the config's (acl.enable_token_persistence is not implemented).

// agentTokens are the tokens set through the API, over the config's.
type agentTokens struct {
	mu     sync.Mutex
	set    map[string]string
	config map[string]string
}

// configTokens are the well-known tokens of cfg, by name.
func configTokens(t config.ACLTokens) map[string]string {
	return map[string]string{"default": string(t.Default), "agent": string(t.Agent),
		"agent_recovery": string(t.AgentRecovery), "replication": string(t.Replication)}
}

// token returns the token name: the API's if one was set, else the
// config's.
func (a *Agent) token(name string) string {
	a.tokens.mu.Lock()
	defer a.tokens.mu.Unlock()
	if t, ok := a.tokens.set[name]; ok {
		return t
	}
	if a.tokens.config == nil {
		return configTokens(a.cfg.ACL.Tokens)[name]
	}
	return a.tokens.config[name]
}

// reloadTokens takes the config's tokens from cfg and logs the names of
// those that changed (never their values).
func (a *Agent) reloadTokens(cfg *config.Config) {
	fresh := configTokens(cfg.ACL.Tokens)
	a.tokens.mu.Lock()
	old := a.tokens.config
	if old == nil {
		old = configTokens(a.cfg.ACL.Tokens)
	}
	a.tokens.config = fresh
	a.tokens.mu.Unlock()
	var changed []string
	for _, name := range []string{"agent", "agent_recovery", "default", "replication"} {
		if old[name] != fresh[name] {
			changed = append(changed, name)
		}
	}
	if len(changed) > 0 {
		a.logger.Info("ACL tokens reloaded", zap.Strings("changed", changed))
	}
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
func (a *Agent) defaultToken() string { return a.token("default") }

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
