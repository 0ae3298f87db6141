package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"

	"github.com/cairn-sd/cairn/agent/runtime"
)

// promValues reads the named unlabelled samples from Prometheus' text
// exposition format; a name absent from the text is absent from the map.
func promValues(r io.Reader, names ...string) (map[string]float64, error) {
	want := map[string]bool{}
	for _, n := range names {
		want[n] = true
	}
	out := map[string]float64{}
	s := bufio.NewScanner(r)
	s.Buffer(make([]byte, 64*1024), 1024*1024)
	for s.Scan() {
		line := strings.TrimSpace(s.Text())
		if line == "" || line[0] == '#' {
			continue
		}
		name, rest, ok := strings.Cut(line, " ")
		if !ok || !want[name] {
			continue
		}
		// A sample may carry a timestamp after the value.
		value, _, _ := strings.Cut(strings.TrimSpace(rest), " ")
		v, err := strconv.ParseFloat(value, 64)
		if err != nil {
			return nil, fmt.Errorf("metric %s: value %q: %w", name, value, err)
		}
		out[name] = v
	}
	return out, s.Err()
}

// scrape reads the named unlabelled samples from an agent's
// /v1/agent/metrics?format=prometheus.
func scrape(ctx context.Context, c *http.Client, httpAddr string, names ...string) (map[string]float64, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+httpAddr+"/v1/agent/metrics?format=prometheus", nil)
	if err != nil {
		return nil, err
	}
	resp, err := c.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("metrics of %s: %s", httpAddr, resp.Status)
	}
	return promValues(resp.Body, names...)
}

// portsOf turns an agent's bound addresses back into the ports section of
// its config, so that a restart binds the same ports.
func portsOf(ba runtime.BoundAddresses) (map[string]int, error) {
	ports := map[string]int{"serf_wan": 0, "grpc": 0}
	for key, addr := range map[string]string{"http": ba.HTTP, "dns": ba.DNS, "serf_lan": ba.SerfLAN, "server": ba.Server} {
		_, p, err := net.SplitHostPort(addr)
		if err != nil {
			return nil, fmt.Errorf("bound %s address %q: %w", key, addr, err)
		}
		if ports[key], err = strconv.Atoi(p); err != nil {
			return nil, fmt.Errorf("bound %s address %q: %w", key, addr, err)
		}
	}
	return ports, nil
}
