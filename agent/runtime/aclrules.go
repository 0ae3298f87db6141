package runtime

import (
	"context"
	"net/http"
	"strings"

	"github.com/cairn-sd/cairn/acl"
	"github.com/cairn-sd/cairn/catalog"
)

// Which permission each endpoint needs, as Consul's ACL rules say. The
// route check below refuses a request outright (403); lists are served
// and filtered to what the token may read (the filter* helpers), and
// writes whose target is in the body are checked by their handlers.

// azKey carries a request's authorizer in its context.
type azKey struct{}

// withAuthorizer resolves the request's token and keeps the authorizer in
// the request's context for the handler's filters.
func (a *Agent) withAuthorizer(r *http.Request) (*http.Request, *acl.Authorizer, error) {
	az, err := a.authorizer(r)
	if err != nil {
		return r, nil, err
	}
	return r.WithContext(context.WithValue(r.Context(), azKey{}, az)), az, nil
}

// authz is the authorizer of a request that went through the handler;
// AllowAll for one that did not (a relayed answer built locally).
func authz(r *http.Request) *acl.Authorizer {
	if az, ok := r.Context().Value(azKey{}).(*acl.Authorizer); ok {
		return az
	}
	return acl.AllowAll()
}

// routeDecision is the permission a route needs before anything is read
// or written; Allow for routes that filter or check in their handler.
func (a *Agent) routeDecision(path, rest string, r *http.Request, az *acl.Authorizer) acl.Decision {
	node := a.cfg.NodeName
	q := r.URL.Query()
	switch path {
	case "/v1/kv/":
		return kvDecision(strings.TrimPrefix(rest, "/"), r.Method, has(q, "recurse") || has(q, "keys"), az)
	case "/v1/agent/self", "/v1/agent/metrics", "/v1/agent/monitor":
		return az.AgentRead(node)
	case "/v1/agent/join/", "/v1/agent/leave", "/v1/agent/reload", "/v1/agent/force-leave/":
		return az.AgentWrite(node)
	case "/v1/agent/maintenance":
		return az.NodeWrite(node)
	case "/v1/operator/raft/configuration":
		return az.OperatorRead()
	case "/v1/operator/raft/peer", "/v1/operator/raft/transfer-leader":
		return az.OperatorWrite()
	case "/v1/operator/autopilot/configuration", "/v1/operator/autopilot/health", "/v1/operator/autopilot/state":
		if r.Method == http.MethodGet {
			return az.OperatorRead()
		}
		return az.OperatorWrite()
	case "/v1/agent/cairn/gossip":
		return az.AgentRead(node)
	case "/v1/operator/keyring":
		if r.Method == http.MethodGet {
			return az.KeyringRead()
		}
		return az.KeyringWrite()
	case "/v1/event/fire/":
		return az.EventWrite(rest)
	case "/v1/catalog/service/", "/v1/health/service/", "/v1/health/checks/":
		return az.ServiceRead(rest)
	case "/v1/catalog/node/", "/v1/catalog/node-services/", "/v1/health/node/":
		return az.NodeRead(rest)
	}
	return acl.Allow
}

// kvDecision is the permission a KV request needs: read (or, for lists,
// nothing up front: the answer is filtered), write, or write on the whole
// prefix for a recursive delete.
func kvDecision(key, method string, list bool, az *acl.Authorizer) acl.Decision {
	switch method {
	case http.MethodGet:
		if list {
			return acl.Allow
		}
		return az.KeyRead(key)
	case http.MethodDelete:
		if list {
			return az.KeyWritePrefix(key)
		}
	}
	return az.KeyWrite(key)
}

// filterPairs keeps the KV entries the token may read.
func filterPairs(az *acl.Authorizer, pairs []*catalog.KVPair) []*catalog.KVPair {
	return visible(az, pairs, func(az *acl.Authorizer, p *catalog.KVPair) bool { return az.KeyRead(p.Key) == acl.Allow })
}

// filterKeys keeps the key names the token may read.
func filterKeys(az *acl.Authorizer, keys []string) []string {
	return visible(az, keys, func(az *acl.Authorizer, k string) bool { return az.KeyRead(k) == acl.Allow })
}

// filterChecks keeps the checks the token may read: a service check needs
// service read, a node check node read.
func filterChecks(az *acl.Authorizer, checks []*catalog.HealthCheck) []*catalog.HealthCheck {
	return visible(az, checks, func(az *acl.Authorizer, c *catalog.HealthCheck) bool {
		if c.ServiceName != "" {
			return az.ServiceRead(c.ServiceName) == acl.Allow
		}
		return az.NodeRead(c.Node) == acl.Allow
	})
}

// managementOnly refuses all but a management token (snapshots), when
// ACLs are on.
func (a *Agent) managementOnly(r *http.Request) error {
	if a.acl == nil || authz(r).IsManagement() {
		return nil
	}
	return errPermissionDenied
}
