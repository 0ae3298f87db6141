package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"
)

// kvPut runs, for each client count, that many workers writing distinct
// keys as fast as they can for the duration.
func (b *bench) kvPut(ctx context.Context) error {
	return b.writes(ctx, "kv-put", func(addr string, worker, i int) (string, []byte) {
		return fmt.Sprintf("http://%s/v1/kv/bench/put/%d/%d", addr, worker, i%1000), b.value
	})
}

// writes runs, for each client count, that many workers sending the PUT
// that request builds (its URL and body, for the worker's i-th call to
// an agent's HTTP address) as fast as they can for the duration, each
// expecting "true". It counts the leader's log fsyncs over the run where
// the agent exposes them, and reports under name.
func (b *bench) writes(ctx context.Context, name string, request func(addr string, worker, i int) (string, []byte)) error {
	addrs, err := b.loadAddrs(ctx)
	if err != nil {
		return err
	}
	for _, n := range b.opts.clients {
		client := httpClient(n, "", 30*time.Second)
		wal, cpu := b.walBefore(ctx), b.cpuNow()
		profiled := b.profile(ctx, fmt.Sprintf("%s-%d", name, n))
		lat, errs, elapsed := b.workers(ctx, n, func(worker, i int) error {
			url, body := request(addrs[worker%len(addrs)], worker, i)
			return do(ctx, client, http.MethodPut, url, body, "true")
		})
		profiled()
		f, ok := wal.after(ctx)
		b.report(name, append([]any{"clients", n, "ops", len(lat), "errors", errs,
			"ops_per_sec", float64(len(lat)) / elapsed.Seconds(),
			"p50_ms", lat.quantile(0.5), "p99_ms", lat.quantile(0.99), "p999_ms", lat.quantile(0.999)},
			append(walReport(f, ok, len(lat)), "cpu", cpu.since())...)...)
		client.CloseIdleConnections()
	}
	return nil
}

// kvGet reads one key in each consistency mode at each client count.
func (b *bench) kvGet(ctx context.Context) error {
	addrs, err := b.loadAddrs(ctx)
	if err != nil {
		return err
	}
	client := httpClient(1, "", 30*time.Second)
	for _, a := range addrs {
		if err := do(ctx, client, http.MethodPut, "http://"+a+"/v1/kv/bench/get", b.value, "true"); err != nil {
			return fmt.Errorf("write the key to read: %w", err)
		}
	}
	for _, mode := range []string{"default", "stale", "consistent"} {
		query := ""
		if mode != "default" {
			query = "?" + mode
		}
		for _, n := range b.opts.clients {
			c, cpu := httpClient(n, "", 30*time.Second), b.cpuNow()
			profiled := b.profile(ctx, fmt.Sprintf("kv-get-%s-%d", mode, n))
			lat, errs, elapsed := b.workers(ctx, n, func(worker, _ int) error {
				return do(ctx, c, http.MethodGet, "http://"+addrs[worker%len(addrs)]+"/v1/kv/bench/get"+query, nil, "")
			})
			profiled()
			b.report("kv-get", "mode", mode, "clients", n, "ops", len(lat), "errors", errs,
				"ops_per_sec", float64(len(lat))/elapsed.Seconds(),
				"p50_ms", lat.quantile(0.5), "p99_ms", lat.quantile(0.99), "cpu", cpu.since())
			c.CloseIdleConnections()
		}
	}
	return nil
}

// loadAddrs are the HTTP addresses the load goes to; worker w uses
// entry w modulo their number.
func (b *bench) loadAddrs(ctx context.Context) ([]string, error) {
	ts, err := b.targets(ctx)
	if err != nil {
		return nil, err
	}
	return httpAddrs(ts), nil
}

// workers runs n goroutines calling op in a loop for the duration and
// returns the latencies of the successful calls and the error count. The
// RSS of every agent this program started is sampled meanwhile.
func (b *bench) workers(ctx context.Context, n int, op func(worker, i int) error) (latencies, int, time.Duration) {
	ctx, cancel := context.WithTimeout(ctx, b.opts.duration)
	defer cancel()
	sampled := make(chan struct{})
	go func() { b.sampleRSS(ctx); close(sampled) }()
	defer func() { <-sampled }()
	var mu sync.Mutex
	var all latencies
	errs := 0
	var wg sync.WaitGroup
	start := time.Now()
	for w := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var mine latencies
			bad := 0
			for i := 0; ctx.Err() == nil; i++ {
				t0 := time.Now()
				if err := op(w, i); err != nil {
					if ctx.Err() == nil {
						bad++
					}
					continue
				}
				mine = append(mine, time.Since(t0))
			}
			mu.Lock()
			all, errs = append(all, mine...), errs+bad
			mu.Unlock()
		}()
	}
	wg.Wait()
	return all, errs, time.Since(start)
}

// do makes one request and checks for a 200 answer (and, if want is set,
// that exact body).
func do(ctx context.Context, c *http.Client, method, url string, body []byte, want string) error {
	req, err := http.NewRequestWithContext(ctx, method, url, bytes.NewReader(body))
	if err != nil {
		return err
	}
	resp, err := c.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	got, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s %s: %s: %s", method, url, resp.Status, bytes.TrimSpace(got))
	}
	if want != "" && string(bytes.TrimSpace(got)) != want {
		return fmt.Errorf("%s %s: answered %q", method, url, got)
	}
	return nil
}
