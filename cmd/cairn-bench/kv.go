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
	return b.writes(ctx, "kv-put", func(worker, i int) (string, []byte) {
		return fmt.Sprintf("/v1/kv/bench/put/%d/%d", worker, i%1000), b.value
	})
}

// writes runs, for each client count, that many workers sending the PUT
// that request builds (its path and body, for the worker's i-th call) as
// fast as they can for the duration, each expecting "true". It counts the
// leader's log fsyncs over the run where the agent exposes them, and
// reports under name.
func (b *bench) writes(ctx context.Context, name string, request func(worker, i int) (string, []byte)) error {
	addrs, err := b.loadAddrs(ctx)
	if err != nil {
		return err
	}
	for _, n := range b.opts.clients {
		conns := rawConns(addrs, n)
		wal, cpu := b.walBefore(ctx), b.cpuNow()
		profiled := b.profile(ctx, fmt.Sprintf("%s-%d", name, n))
		lat, errs, elapsed := b.workers(ctx, n, func(worker, i int) error {
			path, body := request(worker, i)
			return conns[worker].call(ctx, http.MethodPut, path, body, "true")
		})
		profiled()
		f, ok := wal.after(ctx)
		b.report(name, append([]any{"clients", n, "ops", len(lat), "errors", errs,
			"ops_per_sec", float64(len(lat)) / elapsed.Seconds(),
			"p50_ms", lat.quantile(0.5), "p99_ms", lat.quantile(0.99), "p999_ms", lat.quantile(0.999)},
			append(walReport(f, ok, len(lat)), "cpu", cpu.since())...)...)
		closeAll(conns)
	}
	return nil
}

// kvGet reads one key in each consistency mode at each client count.
func (b *bench) kvGet(ctx context.Context) error {
	addrs, err := b.loadAddrs(ctx)
	if err != nil {
		return err
	}
	client := httpClient(1, 30*time.Second)
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
			conns, cpu := rawConns(addrs, n), b.cpuNow()
			profiled := b.profile(ctx, fmt.Sprintf("kv-get-%s-%d", mode, n))
			lat, errs, elapsed := b.workers(ctx, n, func(worker, _ int) error {
				return conns[worker].call(ctx, http.MethodGet, "/v1/kv/bench/get"+query, nil, "")
			})
			profiled()
			b.report("kv-get", "mode", mode, "clients", n, "ops", len(lat), "errors", errs,
				"ops_per_sec", float64(len(lat))/elapsed.Seconds(),
				"p50_ms", lat.quantile(0.5), "p99_ms", lat.quantile(0.99), "cpu", cpu.since())
			closeAll(conns)
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

// rawConns gives each of n workers its own connection, to addrs[w modulo
// their number] for worker w.
func rawConns(addrs []string, n int) []*rawConn {
	conns := make([]*rawConn, n)
	for w := range conns {
		conns[w] = newRawConn(addrs[w%len(addrs)], 30*time.Second)
	}
	return conns
}

func closeAll(conns []*rawConn) {
	for _, c := range conns {
		c.Close()
	}
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
	return checkAnswer(method, url, resp.StatusCode, got, want)
}

// checkAnswer turns an answer other than 200 (with the body want, if set)
// into an error.
func checkAnswer(method, url string, status int, got []byte, want string) error {
	if status != http.StatusOK {
		return fmt.Errorf("%s %s: %d %s: %s", method, url, status, http.StatusText(status), bytes.TrimSpace(got))
	}
	if want != "" && string(bytes.TrimSpace(got)) != want {
		return fmt.Errorf("%s %s: answered %q", method, url, got)
	}
	return nil
}
