package runtime

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/hashicorp/consul/api"
	"github.com/stretchr/testify/require"
)

// Expectations for the anonymous token under default deny.
const (
	denied   = "deny"   // 403
	filtered = "filter" // answered, but with nothing the token may not read
	open     = "open"   // not subject to ACLs
)

// anonymousMatrix has a row per method and route the agent serves: what
// an anonymous request gets under default deny, and a body that gets the
// request past decoding. A route without a row fails the test.
var anonymousMatrix = map[string]struct {
	want, body string
}{
	"GET /v1/kv/":                            {denied, ""},
	"PUT /v1/kv/":                            {denied, "v"},
	"DELETE /v1/kv/":                         {denied, ""},
	"PUT /v1/txn":                            {denied, `[{"KV":{"Verb":"set","Key":"a","Value":""}}]`},
	"GET /v1/snapshot":                       {denied, ""},
	"PUT /v1/snapshot":                       {denied, "x"},
	"PUT /v1/acl/bootstrap":                  {denied, ""},
	"PUT /v1/acl/token":                      {denied, `{}`},
	"GET /v1/acl/token/":                     {denied, ""},
	"PUT /v1/acl/token/":                     {denied, `{}`},
	"DELETE /v1/acl/token/":                  {denied, ""},
	"GET /v1/acl/tokens":                     {denied, ""},
	"PUT /v1/acl/policy":                     {denied, `{"Name":"p"}`},
	"GET /v1/acl/policy/":                    {denied, ""},
	"PUT /v1/acl/policy/":                    {denied, `{"Name":"p"}`},
	"DELETE /v1/acl/policy/":                 {denied, ""},
	"GET /v1/acl/policies":                   {denied, ""},
	"GET /v1/acl/replication":                {open, ""},
	"PUT /v1/session/create":                 {denied, `{}`},
	"PUT /v1/session/destroy/":               {open, ""},
	"PUT /v1/session/renew/":                 {open, ""},
	"GET /v1/session/info/":                  {filtered, ""},
	"GET /v1/session/node/":                  {filtered, ""},
	"GET /v1/session/list":                   {filtered, ""},
	"GET /v1/query":                          {filtered, ""},
	"POST /v1/query":                         {denied, `{"Name":"q","Service":{"Service":"web"}}`},
	"GET /v1/query/":                         {filtered, ""},
	"PUT /v1/query/":                         {denied, `{"Name":"q","Service":{"Service":"web"}}`},
	"DELETE /v1/query/":                      {open, ""},
	"PUT /v1/catalog/register":               {denied, `{"Node":"n","Address":"10.0.0.1"}`},
	"PUT /v1/catalog/deregister":             {denied, `{"Node":"n"}`},
	"GET /v1/catalog/datacenters":            {open, ""},
	"GET /v1/catalog/nodes":                  {filtered, ""},
	"GET /v1/catalog/services":               {filtered, ""},
	"GET /v1/catalog/service/":               {denied, ""},
	"GET /v1/catalog/node/":                  {denied, ""},
	"GET /v1/catalog/node-services/":         {denied, ""},
	"GET /v1/health/service/":                {denied, ""},
	"GET /v1/health/checks/":                 {denied, ""},
	"GET /v1/health/node/":                   {denied, ""},
	"GET /v1/health/state/":                  {filtered, ""},
	"GET /v1/status/leader":                  {open, ""},
	"GET /v1/status/peers":                   {open, ""},
	"GET /v1/agent/self":                     {denied, ""},
	"GET /v1/agent/members":                  {filtered, ""},
	"PUT /v1/agent/join/":                    {denied, ""},
	"PUT /v1/agent/leave":                    {denied, ""},
	"PUT /v1/agent/force-leave/":             {denied, ""},
	"GET /v1/operator/raft/configuration":    {denied, ""},
	"DELETE /v1/operator/raft/peer":          {denied, ""},
	"POST /v1/operator/raft/transfer-leader": {denied, ""},
	"GET /v1/operator/keyring":               {denied, ""},
	"POST /v1/operator/keyring":              {denied, `{"Key":"AAAAAAAAAAAAAAAAAAAAAA=="}`},
	"PUT /v1/operator/keyring":               {denied, `{"Key":"AAAAAAAAAAAAAAAAAAAAAA=="}`},
	"DELETE /v1/operator/keyring":            {denied, `{"Key":"AAAAAAAAAAAAAAAAAAAAAA=="}`},
	"PUT /v1/operator/raft/transfer-leader":  {denied, ""},
	"GET /v1/agent/services":                 {filtered, ""},
	"GET /v1/agent/service/":                 {denied, ""},
	"GET /v1/agent/checks":                   {filtered, ""},
	"PUT /v1/agent/service/register":         {denied, `{"Name":"web2","Check":{"TTL":"30s"}}`},
	"PUT /v1/agent/service/deregister/":      {denied, ""},
	"PUT /v1/agent/check/register":           {denied, `{"Name":"c","TTL":"30s"}`},
	"PUT /v1/agent/check/deregister/":        {denied, ""},
	"PUT /v1/agent/maintenance":              {denied, ""},
	"PUT /v1/agent/reload":                   {denied, ""},
	"GET /v1/agent/monitor":                  {denied, ""},
	"PUT /v1/agent/token/":                   {denied, `{"Token":"x"}`},
	"GET /v1/agent/metrics":                  {denied, ""},
	"PUT /v1/event/fire/":                    {denied, ""},
	"GET /v1/event/list":                     {filtered, ""},
	"GET /v1/coordinate/nodes":               {filtered, ""},
	"GET /v1/coordinate/node/":               {filtered, ""},
	"GET /v1/coordinate/datacenters":         {open, ""},
	"PUT /v1/agent/service/maintenance/":     {denied, ""},
	"GET /v1/agent/health/service/id/":       {filtered, ""},
	"GET /v1/agent/health/service/name/":     {filtered, ""},
	"PUT /v1/agent/check/pass/":              {denied, ""},
	"PUT /v1/agent/check/warn/":              {denied, ""},
	"PUT /v1/agent/check/fail/":              {denied, ""},
	"PUT /v1/agent/check/update/":            {denied, `{"Status":"passing"}`},

	// Autopilot and the cairn gossip extension (autopilot.go, cairngossip.go).
	"GET /v1/operator/autopilot/configuration": {denied, ""},
	"PUT /v1/operator/autopilot/configuration": {denied, `{"CleanupDeadServers":true}`},
	"GET /v1/operator/autopilot/health":        {denied, ""},
	"GET /v1/operator/autopilot/state":         {denied, ""},
	"GET /v1/agent/cairn/gossip":               {denied, ""},
}

// sampleTarget is the path rest each prefix route is asked about: names
// that exist, so that a filter, not a 404, decides.
func sampleTarget(path string) string {
	switch {
	case !strings.HasSuffix(path, "/"):
		return ""
	case path == "/v1/agent/token/":
		return "default"
	case strings.HasPrefix(path, "/v1/agent/check/"):
		return "web-ttl"
	case strings.HasPrefix(path, "/v1/kv/"):
		return "app/x"
	case path == "/v1/catalog/node/", path == "/v1/catalog/node-services/", path == "/v1/health/node/",
		path == "/v1/coordinate/node/", path == "/v1/session/node/":
		return testNode
	case path == "/v1/health/state/":
		return "any"
	}
	return "web"
}

func TestEveryEndpointUnderDefaultDenyForTheAnonymousToken(t *testing.T) {
	a, _ := startACLAgent(t)
	root := bootstrapToken(t, a)
	require.NoError(t, root.Agent().ServiceRegister(&api.AgentServiceRegistration{Name: "web", ID: "web",
		Check: &api.AgentServiceCheck{CheckID: "web-ttl", TTL: "30s"}}))
	_, err := root.KV().Put(kvPair("app/x", "1"), nil)
	require.NoError(t, err)
	_, _, err = root.Event().Fire(&api.UserEvent{Name: "web"}, nil)
	require.NoError(t, err)

	for _, rt := range a.routes() {
		for _, method := range rt.methods {
			key := method + " " + rt.path
			row, ok := anonymousMatrix[key]
			require.True(t, ok, "no ACL row for %s: add one to anonymousMatrix", key)
			url := "http://" + a.HTTPAddr() + rt.path + sampleTarget(rt.path) + "?enable=true"
			req, err := http.NewRequest(method, url, strings.NewReader(row.body))
			require.NoError(t, err)
			resp, err := http.DefaultClient.Do(req)
			require.NoError(t, err)
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			switch row.want {
			case denied:
				require.Equal(t, http.StatusForbidden, resp.StatusCode, "%s: %s", key, body)
			case filtered:
				require.NotEqual(t, http.StatusForbidden, resp.StatusCode, "%s", key)
				for _, secret := range []string{`"web"`, `"app/x"`, `"` + testNode + `"`} {
					require.NotContains(t, string(body), secret, "%s shows what the token may not read", key)
				}
			case open:
				require.NotEqual(t, http.StatusForbidden, resp.StatusCode, "%s: %s", key, body)
			}
		}
	}
}
