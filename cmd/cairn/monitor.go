package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"strings"
	"syscall"
)

const monitorUsage = `
Usage: cairn monitor [options]

  Streams the agent's log lines as they are written, at -log-level (trace,
  debug, info, warn, error; default info) whatever the agent's own level,
  until interrupted.
`

// runMonitor copies /v1/agent/monitor to stdout until the stream ends or
// the command is interrupted.
func runMonitor(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("monitor", monitorUsage, stderr)
	level := fs.String("log-level", "info", "Level of the lines to stream")
	hf := addHTTPFlags(fs, false)
	if code, ok := parseArgs(fs, args, 0, stderr); !ok {
		return code
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := streamMonitor(ctx, hf.client(), *level, stdout); err != nil {
		return reportError(stderr, "Error starting monitor", err)
	}
	return 0
}

// streamMonitor opens the monitor stream and copies it out.
func streamMonitor(ctx context.Context, c *apiClient, level string, out io.Writer) error {
	if c.setupErr != nil {
		return c.setupErr
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet,
		c.requestURL("/v1/agent/monitor", url.Values{"loglevel": {level}}), nil)
	if err != nil {
		return err
	}
	if c.token != "" {
		req.Header.Set("X-Consul-Token", c.token)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return &connError{addr: c.addr, err: transportReason(err)}
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
		return fmt.Errorf("Unexpected response code: %d (%s)", resp.StatusCode, strings.TrimSpace(string(body)))
	}
	_, err = io.Copy(out, resp.Body)
	if ctx.Err() != nil {
		return nil
	}
	return err
}
