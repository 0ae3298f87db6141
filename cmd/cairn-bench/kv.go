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
	for _, n := range b.opts.clients {
		client := httpClient(n, "", 30*time.Second)
		lat, errs, elapsed := b.workers(ctx, n, func(worker, i int) error {
			url := fmt.Sprintf("http://%s/v1/kv/bench/put/%d/%d", b.opts.addr, worker, i%1000)
			return do(ctx, client, http.MethodPut, url, b.value, "true")
		})
		b.report("kv-put", "clients", n, "ops", len(lat), "errors", errs,
			"ops_per_sec", float64(len(lat))/elapsed.Seconds(),
			"p50_ms", lat.quantile(0.5), "p99_ms", lat.quantile(0.99), "p999_ms", lat.quantile(0.999))
	}
	return nil
}

// kvGet reads one key in each consistency mode at each client count.
func (b *bench) kvGet(ctx context.Context) error {
	client := httpClient(1, "", 30*time.Second)
	seed := fmt.Sprintf("http://%s/v1/kv/bench/get", b.opts.addr)
	if err := do(ctx, client, http.MethodPut, seed, b.value, "true"); err != nil {
		return fmt.Errorf("write the key to read: %w", err)
	}
	for _, mode := range []string{"default", "stale", "consistent"} {
		url := seed
		if mode != "default" {
			url += "?" + mode
		}
		for _, n := range b.opts.clients {
			c := httpClient(n, "", 30*time.Second)
			lat, errs, elapsed := b.workers(ctx, n, func(int, int) error {
				return do(ctx, c, http.MethodGet, url, nil, "")
			})
			b.report("kv-get", "mode", mode, "clients", n, "ops", len(lat), "errors", errs,
				"ops_per_sec", float64(len(lat))/elapsed.Seconds(),
				"p50_ms", lat.quantile(0.5), "p99_ms", lat.quantile(0.99))
		}
	}
	return nil
}

// workers runs n goroutines calling op in a loop for the duration and
// returns the latencies of the successful calls and the error count.
func (b *bench) workers(ctx context.Context, n int, op func(worker, i int) error) (latencies, int, time.Duration) {
	ctx, cancel := context.WithTimeout(ctx, b.opts.duration)
	defer cancel()
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
