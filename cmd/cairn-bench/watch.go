package main

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptrace"
	"strconv"
	"sync/atomic"
	"syscall"
	"time"
)

// watch measures blocking-query fan-out: W clients block on one key, one
// write follows, and the program times how long until 50%, 99% and all of
// them have returned. Connections are spread over several loopback source
// addresses, since one source address runs out of ports near 28,000.
func (b *bench) watch(ctx context.Context) error {
	raiseFileLimit()
	key := fmt.Sprintf("http://%s/v1/kv/bench/watch", b.opts.addr)
	setup := httpClient(1, "", 30*time.Second)
	if err := do(ctx, setup, http.MethodPut, key, b.value, "true"); err != nil {
		return fmt.Errorf("write the watched key: %w", err)
	}
	for _, w := range b.opts.watchers {
		if err := b.fanOut(ctx, setup, key, w); err != nil {
			return err
		}
	}
	return nil
}

func (b *bench) fanOut(ctx context.Context, setup *http.Client, key string, w int) error {
	index, err := currentIndex(ctx, setup, key)
	if err != nil {
		return err
	}
	rssBefore := b.agent.rss()
	clients := make([]*http.Client, len(b.opts.sources))
	for i, src := range b.opts.sources {
		clients[i] = httpClient(w/len(clients)+1, src, 10*time.Minute)
	}
	var written atomic.Int64
	// Each watcher reports when its answer arrived (zero on error); an
	// answer before the write is counted as early, not as a wake-up.
	results := make(chan time.Time, w)
	url := fmt.Sprintf("%s?index=%d&wait=5m", key, index)
	for i := range w {
		go func() {
			trace := &httptrace.ClientTrace{WroteRequest: func(httptrace.WroteRequestInfo) { written.Add(1) }}
			err := do(httptrace.WithClientTrace(ctx, trace), clients[i%len(clients)], http.MethodGet, url, nil, "")
			if err != nil {
				results <- time.Time{}
				return
			}
			results <- time.Now()
		}()
	}
	if err := waitFor(ctx, func() bool { return written.Load() >= int64(w) }, 2*time.Minute); err != nil {
		return fmt.Errorf("%d of %d watchers sent their request: %w", written.Load(), w, err)
	}
	time.Sleep(time.Second) // let the agent park the last requests
	rssBlocked := b.agent.rss()
	write := time.Now()
	if err := do(ctx, setup, http.MethodPut, key, []byte(strconv.Itoa(w)), "true"); err != nil {
		return fmt.Errorf("the write that wakes the watchers: %w", err)
	}
	var lat latencies
	failed, early := 0, 0
	for range w {
		switch end := <-results; {
		case end.IsZero():
			failed++
		case end.Before(write):
			early++
		default:
			lat = append(lat, end.Sub(write))
		}
	}
	perWatcher := "unknown"
	if rssBefore > 0 && rssBlocked > rssBefore {
		perWatcher = strconv.FormatInt((rssBlocked-rssBefore)/int64(w), 10)
	}
	b.report("watch", "watchers", w, "returned", len(lat), "failed", failed, "early", early,
		"p50_ms", lat.quantile(0.5), "p99_ms", lat.quantile(0.99), "max_ms", lat.quantile(1),
		"agent_bytes_per_watcher", perWatcher)
	return nil
}

// currentIndex reads the key's X-Consul-Index.
func currentIndex(ctx context.Context, c *http.Client, url string) (uint64, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return 0, err
	}
	resp, err := c.Do(req)
	if err != nil {
		return 0, err
	}
	resp.Body.Close()
	index, err := strconv.ParseUint(resp.Header.Get("X-Consul-Index"), 10, 64)
	if err != nil {
		return 0, fmt.Errorf("X-Consul-Index %q: %w", resp.Header.Get("X-Consul-Index"), err)
	}
	return index, nil
}

func waitFor(ctx context.Context, cond func() bool, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	for !cond() {
		if time.Now().After(deadline) {
			return fmt.Errorf("gave up after %v", limit)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
	return nil
}

// raiseFileLimit lifts the soft limit on open files to the hard limit:
// every watcher holds a connection.
func raiseFileLimit() {
	var lim syscall.Rlimit
	if syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim) == nil && lim.Cur < lim.Max {
		lim.Cur = lim.Max
		_ = syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim)
	}
}
