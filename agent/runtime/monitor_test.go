package runtime

import (
	"bufio"
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestMonitorStreamsLogLinesAtTheRequestedLevel(t *testing.T) {
	a, _ := startAgent(t, "")
	ctx, cancel := context.WithTimeout(context.Background(), testWait)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+a.HTTPAddr()+"/v1/agent/monitor?loglevel=debug", nil)
	require.NoError(t, err)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)

	lines := make(chan string, 100)
	go func() {
		sc := bufio.NewScanner(resp.Body)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	require.Eventually(t, func() bool { return a.logs.active() }, testWait, 10*time.Millisecond)
	a.logger.Debug("monitor test marker")
	for line := range lines {
		if strings.Contains(line, "monitor test marker") {
			require.Contains(t, line, "DEBUG")
			cancel()
			return
		}
	}
	t.Fatal("the marker never reached the monitor")
}

func TestMonitorRefusesAnUnknownLevel(t *testing.T) {
	a, _ := startAgent(t, "")
	resp, err := http.Get("http://" + a.HTTPAddr() + "/v1/agent/monitor?loglevel=loud")
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusBadRequest, resp.StatusCode)
}
