package ui_test

import (
	"context"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/hashicorp/consul/api"
	"github.com/stretchr/testify/require"

	"github.com/cairn-sd/cairn/agent/config"
	"github.com/cairn-sd/cairn/agent/runtime"
)

// The UI in a real browser: headless Chromium (Debian's chromium package,
// which .ci/install-chromium installs), driven over the DevTools protocol
// by chromedp, against a real -dev agent. The test fails when Chromium is
// missing; set CAIRN_UI_TEST_SKIP to skip it on a machine without one.

// skipEnv names the variable that skips the browser test.
const skipEnv = "CAIRN_UI_TEST_SKIP"

// browserWait bounds every wait of the browser test; nothing is timed.
const browserWait = 45 * time.Second

// chromiumPath finds the Chromium binary, failing the test with what to
// do when there is none.
func chromiumPath(t *testing.T) string {
	t.Helper()
	if os.Getenv(skipEnv) != "" {
		t.Skipf("%s is set", skipEnv)
	}
	for _, name := range []string{"chromium", "chromium-browser"} {
		if path, err := exec.LookPath(name); err == nil {
			return path
		}
	}
	t.Fatalf("Chromium is not installed: run .ci/install-chromium (Debian package chromium), "+
		"or set %s=1 to skip the browser test", skipEnv)
	return ""
}

// startUIAgent starts a -dev agent (UI on) and waits until autopilot
// reports it healthy, so that the cluster page has its leader.
func startUIAgent(t *testing.T) (*runtime.Agent, *api.Client) {
	t.Helper()
	doc := `{"node_name": "ui-node", "ports": {"http": 0, "server": 0, "serf_lan": 0, "serf_wan": 0, "dns": 0}}`
	cfg, err := config.Parse("ui.json", []byte(doc), config.Options{
		Dev:            true,
		Hostname:       func() (string, error) { return "uihost", nil },
		InterfaceAddrs: func() ([]netip.Addr, error) { return []netip.Addr{netip.MustParseAddr("127.0.0.1")}, nil },
	})
	require.NoError(t, err)
	require.True(t, cfg.UIEnabled, "-dev serves the UI")
	a, err := runtime.New(cfg, runtime.Options{Version: "ui-test"})
	require.NoError(t, err)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), browserWait)
		defer cancel()
		require.NoError(t, a.Shutdown(ctx))
	})
	client, err := api.NewClient(&api.Config{Address: a.HTTPAddr()})
	require.NoError(t, err)
	require.Eventually(t, func() bool {
		h, err := client.Operator().AutopilotServerHealth(nil)
		return err == nil && h.Healthy
	}, browserWait, 20*time.Millisecond, "the agent never turned healthy")
	return a, client
}

// consoleErrors collects what the page reports as errors: uncaught
// exceptions, console.error calls and error entries of the browser log (a
// script or style that failed to load, a Content-Security-Policy
// violation). API answers that the app expects and handles (a 404 for a
// key that does not exist) are logged by Chromium as failed loads too;
// those of /v1/ are left out, failed loads of the app's own files are not.
type consoleErrors struct {
	mu   sync.Mutex
	errs []string
}

// collect reads the tab's console until ctx ends.
func (c *consoleErrors) collect(ctx context.Context) {
	messages := chromedp.Console(ctx)
	go func() {
		for m, err := range messages {
			if err != nil {
				return
			}
			if m.Type != chromedp.ConsoleError && m.Type != chromedp.ConsoleException || strings.Contains(m.URL, "/v1/") {
				continue
			}
			c.mu.Lock()
			c.errs = append(c.errs, m.String()+" "+m.URL)
			c.mu.Unlock()
		}
	}()
}

func (c *consoleErrors) list() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.errs...)
}

// newBrowser starts headless Chromium with a fresh profile and answers a
// tab's context.
func newBrowser(t *testing.T) context.Context {
	t.Helper()
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromiumPath(t)),
		chromedp.Flag("headless", true),
		chromedp.Flag("no-sandbox", true),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()),
	}
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancelAlloc)
	ctx, cancelTab := chromedp.NewContext(allocCtx)
	t.Cleanup(cancelTab)
	return ctx
}

// step runs actions with a bounded wait, failing the test with what was
// being done.
func step(t *testing.T, ctx context.Context, what string, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	sctx, cancel := context.WithTimeout(ctx, browserWait)
	defer cancel()
	require.NoError(t, chromedp.Do(sctx, actions...), what)
}

// waitJS waits until the JavaScript expression is true.
func waitJS(expression string) chromedp.Action[chromedp.Void] {
	return chromedp.Poll[chromedp.Void](expression, chromedp.WithPollingInterval(50*time.Millisecond),
		chromedp.WithPollingTimeout(browserWait))
}

// waitText waits until the text of the element matched by sel contains
// want.
func waitText(sel, want string) chromedp.Action[chromedp.Void] {
	return waitJS(fmt.Sprintf(`(() => { const e = document.querySelector(%q); return !!e && e.textContent.includes(%q); })()`, sel, want))
}

func TestUIInHeadlessChromium(t *testing.T) {
	ctx := newBrowser(t)
	a, client := startUIAgent(t)
	errs := &consoleErrors{}
	errs.collect(ctx)
	base := "http://" + a.HTTPAddr() + "/ui/"

	_, err := client.KV().Put(&api.KVPair{Key: "ui/edit", Value: []byte("before")}, nil)
	require.NoError(t, err)
	require.NoError(t, client.Agent().ServiceRegister(&api.AgentServiceRegistration{Name: "registered-first", Port: 8080}))

	step(t, ctx, "open the services page", chromedp.Navigate(base+"#/services"),
		waitText("#view", "registered-first"), waitText("#agent-info", "ui-node"))

	require.NoError(t, client.Agent().ServiceRegister(&api.AgentServiceRegistration{Name: "registered-later", Port: 9090}))
	step(t, ctx, "a service registered through the API while the page is open appears",
		waitText("#view", "registered-later"))

	step(t, ctx, "open the key and edit its value",
		chromedp.Navigate(base+"#/kv/ui/edit"),
		waitJS(`(() => { const e = document.querySelector("#view textarea"); return !!e && e.value === "before"; })()`),
		chromedp.SetValue(chromedp.CSS("#view textarea"), "edited in the browser"),
		chromedp.Click(chromedp.CSS("#view .actions button")),
		waitText("#view .message", "Saved."))
	pair, _, err := client.KV().Get("ui/edit", nil)
	require.NoError(t, err)
	require.NotNil(t, pair)
	require.Equal(t, "edited in the browser", string(pair.Value), "the UI's edit is visible through the API")

	step(t, ctx, "the cluster page shows the leader, its health and the gossip pool",
		chromedp.Navigate(base+"#/cluster"),
		waitText("#cluster-raft .leader-name", "ui-node"),
		waitText("#cluster-raft", "healthy"),
		waitText("#cluster-gossip", "LAN pool"),
		waitText("#cluster-gossip", "Probes sent"))

	step(t, ctx, "visit the other pages", chromedp.Navigate(base+"#/nodes"), waitText("#view", "ui-node"),
		chromedp.Navigate(base+"#/sessions"), waitText("#view", "No sessions."),
		chromedp.Navigate(base+"#/kv/ui/"), waitText("#view", "edit"))
	require.Empty(t, errs.list(), "the pages logged errors")
}
