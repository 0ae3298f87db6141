package runtime

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/consul/api"
	"github.com/stretchr/testify/require"
)

// The token table: which of four tokens each route lets through (any
// answer but 403) on a follower of a three-server cluster with default
// deny, so that every write also crosses the follower-to-leader RPC with
// its token. The letters name the tokens:
//
//	M  the initial management token
//	A  key_prefix "app/" write
//	S  service_prefix "" read
//	N  node_prefix "" read
//
// A route missing here fails the test, as in anonymousMatrix.
var tokenMatrix = map[string]string{
	"DELETE /v1/acl/policy/":                   "M",
	"DELETE /v1/acl/token/":                    "M",
	"DELETE /v1/kv/":                           "AM",
	"DELETE /v1/operator/keyring":              "M",
	"DELETE /v1/query/":                        "NSAM",
	"GET /v1/acl/policies":                     "M",
	"GET /v1/acl/policy/":                      "M",
	"GET /v1/acl/replication":                  "NSAM",
	"GET /v1/acl/token/":                       "M",
	"GET /v1/acl/tokens":                       "M",
	"GET /v1/agent/cairn/gossip":               "M",
	"GET /v1/agent/checks":                     "NSAM",
	"GET /v1/agent/health/service/id/":         "NSAM",
	"GET /v1/agent/health/service/name/":       "NSAM",
	"GET /v1/agent/members":                    "NSAM",
	"GET /v1/agent/metrics":                    "M",
	"GET /v1/agent/monitor":                    "M",
	"GET /v1/agent/self":                       "M",
	"GET /v1/agent/service/":                   "SM",
	"GET /v1/agent/services":                   "NSAM",
	"GET /v1/catalog/datacenters":              "NSAM",
	"GET /v1/catalog/node-services/":           "NM",
	"GET /v1/catalog/node/":                    "NM",
	"GET /v1/catalog/nodes":                    "NSAM",
	"GET /v1/catalog/service/":                 "SM",
	"GET /v1/catalog/services":                 "NSAM",
	"GET /v1/coordinate/datacenters":           "NSAM",
	"GET /v1/coordinate/node/":                 "NSAM",
	"GET /v1/coordinate/nodes":                 "NSAM",
	"GET /v1/event/list":                       "NSAM",
	"GET /v1/health/checks/":                   "SM",
	"GET /v1/health/node/":                     "NM",
	"GET /v1/health/service/":                  "SM",
	"GET /v1/health/state/":                    "NSAM",
	"GET /v1/kv/":                              "AM",
	"GET /v1/operator/autopilot/configuration": "M",
	"GET /v1/operator/autopilot/health":        "M",
	"GET /v1/operator/autopilot/state":         "M",
	"GET /v1/operator/keyring":                 "M",
	"GET /v1/operator/raft/configuration":      "M",
	"GET /v1/query":                            "NSAM",
	"GET /v1/query/":                           "NSAM",
	"GET /v1/session/info/":                    "NSAM",
	"GET /v1/session/list":                     "NSAM",
	"GET /v1/session/node/":                    "NSAM",
	"GET /v1/snapshot":                         "M",
	"GET /v1/status/leader":                    "NSAM",
	"GET /v1/status/peers":                     "NSAM",
	"POST /v1/operator/keyring":                "M",
	"POST /v1/query":                           "M",
	"PUT /v1/acl/bootstrap":                    "",
	"PUT /v1/acl/policy":                       "M",
	"PUT /v1/acl/policy/":                      "M",
	"PUT /v1/acl/token":                        "M",
	"PUT /v1/acl/token/":                       "M",
	"PUT /v1/agent/check/deregister/":          "M",
	"PUT /v1/agent/check/fail/":                "M",
	"PUT /v1/agent/check/pass/":                "M",
	"PUT /v1/agent/check/register":             "M",
	"PUT /v1/agent/check/update/":              "M",
	"PUT /v1/agent/check/warn/":                "M",
	"PUT /v1/agent/join/":                      "M",
	"PUT /v1/agent/maintenance":                "M",
	"PUT /v1/agent/reload":                     "M",
	"PUT /v1/agent/service/deregister/":        "M",
	"PUT /v1/agent/service/maintenance/":       "M",
	"PUT /v1/agent/service/register":           "M",
	"PUT /v1/agent/token/":                     "M",
	"PUT /v1/catalog/deregister":               "M",
	"PUT /v1/catalog/register":                 "M",
	"PUT /v1/event/fire/":                      "M",
	"PUT /v1/kv/":                              "AM",
	"PUT /v1/operator/autopilot/configuration": "M",
	"PUT /v1/operator/keyring":                 "M",
	"PUT /v1/query/":                           "M",
	"PUT /v1/session/create":                   "M",
	"PUT /v1/session/destroy/":                 "NSAM",
	"PUT /v1/session/renew/":                   "NSAM",
	"PUT /v1/snapshot":                         "M",
	"PUT /v1/txn":                              "M",
	"PUT /v1/operator/raft/transfer-leader":    "M",
	"POST /v1/operator/raft/transfer-leader":   "M",
	"DELETE /v1/operator/raft/peer":            "M",
	"PUT /v1/agent/force-leave/":               "M",
	"PUT /v1/agent/leave":                      "M",
}

// matrixTokens are the tokens of the table, by letter, with their rules
// (the management token has none: it is the cluster's initial one).
var matrixTokens = []struct{ letter, rules string }{
	{"N", `node_prefix "" { policy = "read" }`},
	{"S", `service_prefix "" { policy = "read" }`},
	{"A", `key_prefix "app/" { policy = "write" }`},
	{"M", ""},
}

// matrixLast are routes the management token would break the cluster
// with if it asked them early: they run last, leave at the very end.
var matrixLast = []string{"PUT /v1/operator/raft/transfer-leader", "POST /v1/operator/raft/transfer-leader",
	"DELETE /v1/operator/raft/peer", "PUT /v1/agent/force-leave/", "PUT /v1/agent/leave"}

const matrixManagement = "6a1f1ab0-7e55-4c1e-9d2a-5c9d4e0a0001"

func TestEveryEndpointForEachKindOfTokenOnThreeServers(t *testing.T) {
	if testing.Short() {
		t.Skip("starts three servers")
	}
	servers := startServers(t, 3, `, "acl": {"enabled": true, "default_policy": "deny", "down_policy": "extend-cache",
		"tokens": {"initial_management": "`+matrixManagement+`", "agent": "`+matrixManagement+`"}}`)
	root := apiClient(t, servers[0], matrixManagement)
	require.Eventually(t, func() bool {
		_, _, err := root.ACL().TokenReadSelf(nil)
		return err == nil
	}, testWait, 20*time.Millisecond, "the leader never created the initial management token")
	waitForNodes(t, root, "s1", "s2", "s3")
	secrets := map[string]string{"M": matrixManagement}
	for _, tok := range matrixTokens[:3] {
		_, _, err := root.ACL().PolicyCreate(&api.ACLPolicy{Name: "p" + tok.letter, Rules: tok.rules}, nil)
		require.NoError(t, err)
		made, _, err := root.ACL().TokenCreate(&api.ACLToken{Policies: []*api.ACLTokenPolicyLink{{Name: "p" + tok.letter}}}, nil)
		require.NoError(t, err)
		secrets[tok.letter] = made.SecretID
	}
	follower := servers[followerOf(t, servers)]
	fc := apiClient(t, follower, matrixManagement)
	require.NoError(t, fc.Agent().ServiceRegister(&api.AgentServiceRegistration{Name: "web", ID: "web",
		Check: &api.AgentServiceCheck{CheckID: "web-ttl", TTL: "30s"}}))
	_, err := fc.KV().Put(kvPair("app/x", "1"), nil)
	require.NoError(t, err)

	got := map[string]string{}
	for _, tok := range matrixTokens {
		for _, key := range matrixOrder(follower) {
			if matrixAllowed(t, follower, key, secrets[tok.letter]) {
				got[key] += tok.letter
			}
		}
	}
	var wrong []string
	for _, key := range matrixOrder(follower) {
		want, ok := tokenMatrix[key]
		if !ok || want != got[key] {
			wrong = append(wrong, fmt.Sprintf("%q: %q, // had %q (row present: %v)", key, got[key], want, ok))
		}
	}
	require.Empty(t, wrong, "routes whose tokens differ from tokenMatrix:\n%s", strings.Join(wrong, "\n"))
}

// matrixOrder is every method and route of a, sorted, with matrixLast at
// the end.
func matrixOrder(a *Agent) []string {
	last := map[string]int{}
	for i, k := range matrixLast {
		last[k] = i + 1
	}
	var keys []string
	for _, rt := range a.routes() {
		for _, method := range rt.methods {
			keys = append(keys, method+" "+rt.path)
		}
	}
	sort.Slice(keys, func(i, j int) bool {
		if last[keys[i]] != last[keys[j]] {
			return last[keys[i]] < last[keys[j]]
		}
		return keys[i] < keys[j]
	})
	return keys
}

// matrixAllowed asks route key of agent a with token, with the body the
// anonymous table gives it, and reports whether the answer is not 403. A
// streaming answer (the monitor) counts once its headers arrive.
func matrixAllowed(t *testing.T, a *Agent, key, token string) bool {
	t.Helper()
	method, path, _ := strings.Cut(key, " ")
	ctx, cancel := context.WithTimeout(t.Context(), testWait)
	defer cancel()
	url := "http://" + a.HTTPAddr() + path + sampleTarget(path) + "?enable=true"
	req, err := http.NewRequestWithContext(ctx, method, url, strings.NewReader(anonymousMatrix[key].body))
	require.NoError(t, err)
	req.Header.Set("X-Consul-Token", token)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err, key)
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusForbidden {
		body, _ := io.ReadAll(resp.Body)
		require.NotContains(t, string(body), token, "a 403 never shows the token")
		return false
	}
	return true
}
