package ui

import (
	"os/exec"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// servedEndpoints lists the HTTP API endpoints of cairn's agent that the UI
// may call, in Consul's notation: a ":name" segment stands for a service,
// node or key name appended to the path. The first ones are those the UI's
// brief names; the last two (marked) are also served by the agent and give
// the list pages their check counts and the node page its services.
var servedEndpoints = []string{
	"/v1/agent/self",
	"/v1/catalog/services",
	"/v1/health/service/:name",
	"/v1/catalog/nodes",
	"/v1/health/node/:node",
	"/v1/kv/",
	"/v1/kv/:key",
	"/v1/session/list",
	"/v1/operator/autopilot/health",
	"/v1/operator/autopilot/state",
	"/v1/agent/members",
	"/v1/agent/cairn/gossip", // cairn's extension: gossip counters
	"/v1/health/state/any",   // also served: every check, for the list pages
	"/v1/catalog/node/:node", // also served: a node's services
}

// endpointPrefix is the literal part of an endpoint: the whole path, or the
// part before its ":name" segment.
func endpointPrefix(endpoint string) string {
	prefix, _, _ := strings.Cut(endpoint, ":")
	return prefix
}

// apiPaths answers every "/v1/..." path literal in app.js, up to the first
// character that cannot be part of a path (a quote, "?", "$", "+").
func apiPaths(t *testing.T) []string {
	t.Helper()
	found := regexp.MustCompile(`/v1/[A-Za-z0-9_./-]*`).FindAllString(string(mustRead("static/app.js")), -1)
	require.NotEmpty(t, found, "app.js uses no /v1/ path at all")
	return found
}

func TestAppCallsOnlyEndpointsCairnServes(t *testing.T) {
	served := map[string]bool{}
	for _, e := range servedEndpoints {
		served[endpointPrefix(e)] = true
	}
	for _, path := range apiPaths(t) {
		require.True(t, served[path], "app.js calls %q, which is not an endpoint cairn serves", path)
	}
}

func TestAppCallsEveryEndpointItsViewsNeed(t *testing.T) {
	used := map[string]bool{}
	for _, path := range apiPaths(t) {
		used[path] = true
	}
	for _, e := range servedEndpoints {
		require.True(t, used[endpointPrefix(e)], "app.js never calls %s", e)
	}
}

func TestAppInsertsDataAsTextNeverAsHTML(t *testing.T) {
	app := string(mustRead("static/app.js"))
	for _, sink := range []string{"innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function"} {
		require.NotContains(t, app, sink)
	}
	require.Contains(t, app, "createTextNode")
}

func TestAppSendsTheStoredTokenAndBlocksOnTheLastIndex(t *testing.T) {
	app := string(mustRead("static/app.js"))
	for _, want := range []string{`"X-Consul-Token"`, "localStorage", `"X-Consul-Index"`, `wait: WAIT`, `const WAIT = "30s"`,
		"AbortController", "cas:"} {
		require.Contains(t, app, want)
	}
}

func TestAppHasAViewForEveryRoute(t *testing.T) {
	app := string(mustRead("static/app.js"))
	index := string(mustRead("static/index.html"))
	for _, view := range []string{"services", "nodes", "kv", "sessions", "cluster"} {
		require.Contains(t, app, "\n  "+view+": ", "VIEWS has no %s", view)
		require.Contains(t, index, `data-view="`+view+`"`, "the navigation has no %s", view)
	}
}

func TestAppIsValidJavaScript(t *testing.T) {
	node := nodePath(t)
	out, err := exec.Command(node, "--check", "static/app.js").CombinedOutput()
	require.NoError(t, err, string(out))
}

func TestAppHelpersBehaveInNode(t *testing.T) {
	node := nodePath(t)
	out, err := exec.Command(node, "testdata/helpers.js").CombinedOutput()
	require.NoError(t, err, string(out))
	require.Equal(t, "ok\n", string(out))
}

// nodePath answers the node binary, skipping the test when there is none.
func nodePath(t *testing.T) string {
	t.Helper()
	path, err := exec.LookPath("node")
	if err != nil {
		t.Skip("node is not installed")
	}
	return path
}
