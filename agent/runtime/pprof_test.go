package runtime

import (
	"io"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"
)

// getStatus fetches url with an optional token and returns the status and
// body.
func getStatus(t *testing.T, url, token string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	require.NoError(t, err)
	if token != "" {
		req.Header.Set("X-Consul-Token", token)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, string(body)
}

func TestDevAgentServesProfilesAndEnableDebugFalseHidesThem(t *testing.T) {
	a, _ := startAgent(t, "")
	code, body := getStatus(t, "http://"+a.HTTPAddr()+"/debug/pprof/goroutine?debug=1", "")
	require.Equal(t, http.StatusOK, code)
	require.Contains(t, body, "goroutine profile:")
	code, _ = getStatus(t, "http://"+a.HTTPAddr()+"/debug/pprof/profile?seconds=1", "")
	require.Equal(t, http.StatusOK, code)

	off, _ := startAgent(t, `, "enable_debug": false`)
	code, _ = getStatus(t, "http://"+off.HTTPAddr()+"/debug/pprof/goroutine?debug=1", "")
	require.NotEqual(t, http.StatusOK, code)
}

func TestProfilesNeedOperatorReadWhenACLsAreOn(t *testing.T) {
	a, _ := startACLAgent(t)
	url := "http://" + a.HTTPAddr() + "/debug/pprof/heap?debug=1"
	code, _ := getStatus(t, url, "")
	require.Equal(t, http.StatusForbidden, code, "anonymous, default deny")
	_, mgmt := bootstrapSecret(t, a)
	code, body := getStatus(t, url, mgmt)
	require.Equal(t, http.StatusOK, code)
	require.Contains(t, body, "heap profile:")
}
