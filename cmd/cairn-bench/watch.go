package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// watchPath is the key every watcher blocks on.
const watchPath = "/v1/kv/bench/watch"

// dialsAtOnce bounds the watchers connecting at the same time, so that
// the agent's accept queue does not overflow into SYN retransmissions.
const dialsAtOnce = 256

// watch measures blocking-query fan-out: W clients block on one key
// through one agent (the first -target), one write follows, and the
// program times how long until 50%, 99% and all of them have returned.
// Connections are spread over several loopback source addresses, since
// one source address runs out of ports near 28,000.
func (b *bench) watch(ctx context.Context) error {
	ts, err := b.targets(ctx)
	if err != nil {
		return err
	}
	agent := ts[0]
	setup := httpClient(1, 30*time.Second)
	if err := do(ctx, setup, http.MethodPut, "http://"+agent.addrs.HTTP+watchPath, b.value, "true"); err != nil {
		return fmt.Errorf("write the watched key: %w", err)
	}
	for _, w := range b.opts.watchers {
		if err := b.fanOut(ctx, setup, agent, w); err != nil {
			return err
		}
	}
	return nil
}

// watchers is one round of blocked watchers and what became of them.
type watchers struct {
	mu      sync.Mutex
	conns   []net.Conn
	sent    atomic.Int64 // requests written
	failed  atomic.Int64 // connections or answers that failed
	results chan time.Time
}

func (b *bench) fanOut(ctx context.Context, setup *http.Client, agent *proc, w int) error {
	index, err := currentIndex(ctx, setup, "http://"+agent.addrs.HTTP+watchPath)
	if err != nil {
		return err
	}
	parkedBefore, gauge := blockedQueries(ctx, setup, agent.addrs.HTTP)
	rssBefore := agent.rss()
	ws := &watchers{results: make(chan time.Time, w)}
	defer ws.closeAll()
	request := []byte(fmt.Sprintf("GET %s?index=%d&wait=10m HTTP/1.1\r\nHost: %s\r\n\r\n", watchPath, index, agent.addrs.HTTP))
	dials := make(chan struct{}, dialsAtOnce)
	for i := range w {
		go ws.watch(agent.addrs.HTTP, b.opts.sources[i%len(b.opts.sources)], request, dials)
	}
	opened := time.Now()
	if err := waitFor(ctx, func() bool { return ws.sent.Load()+ws.failed.Load() >= int64(w) }, 10*time.Minute); err != nil {
		return fmt.Errorf("%d of %d watchers sent their request: %w", ws.sent.Load(), w, err)
	}
	openFor := time.Since(opened)
	parked := ws.waitParked(ctx, setup, agent.addrs.HTTP, w, parkedBefore, gauge)
	rssBlocked := agent.rss()
	write := time.Now()
	if err := do(ctx, setup, http.MethodPut, "http://"+agent.addrs.HTTP+watchPath, []byte(strconv.Itoa(w)), "true"); err != nil {
		return fmt.Errorf("the write that wakes the watchers: %w", err)
	}
	lat, early, missing := ws.collect(int(ws.sent.Load()), write, 2*time.Minute)
	b.report("watch", "agent", agent.name, "nofile", b.nofile, "watchers", w, "connect_failed", int64(w)-ws.sent.Load(),
		"open_s", openFor.Seconds(), "parked", parked, "returned", len(lat),
		"failed", ws.failed.Load()-(int64(w)-ws.sent.Load()), "early", early, "missing", missing,
		"p50_ms", lat.quantile(0.5), "p99_ms", lat.quantile(0.99), "max_ms", lat.quantile(1),
		"agent_rss_before_mib", mib(rssBefore), "agent_rss_blocked_mib", mib(rssBlocked),
		"agent_bytes_per_watcher", perWatcher(rssBefore, rssBlocked, ws.sent.Load()))
	return nil
}

// parkStall is how long waitParked waits for the blocking-query gauge to
// move before it gives up: an agent that relays blocking queries to a
// server does not count them.
const parkStall = 5 * time.Second

// waitParked waits until the agent's blocking-query gauge counts every
// watcher still waiting, or has not moved for parkStall, and returns how
// many it counts above before; without the gauge it waits one second and
// returns "unknown".
func (ws *watchers) waitParked(ctx context.Context, c *http.Client, httpAddr string, w, before int, gauge bool) string {
	if !gauge {
		time.Sleep(time.Second)
		return "unknown"
	}
	last, moved := -1, time.Now()
	waitFor(ctx, func() bool {
		n, _ := blockedQueries(ctx, c, httpAddr)
		if n != last {
			last, moved = n, time.Now()
		}
		answered := ws.failed.Load() - (int64(w) - ws.sent.Load())
		return int64(n-before) >= ws.sent.Load()-answered || time.Since(moved) > parkStall
	}, 2*time.Minute)
	return strconv.Itoa(last - before)
}

// perWatcher is the RSS growth per blocked watcher in bytes, "unknown"
// without both figures or without growth.
func perWatcher(before, blocked, watchers int64) string {
	if before <= 0 || blocked <= before || watchers <= 0 {
		return "unknown"
	}
	return strconv.FormatInt((blocked-before)/watchers, 10)
}

// watch opens one connection from source, sends the blocking request and
// reports when the answer has arrived in full.
func (ws *watchers) watch(addr, source string, request []byte, dials chan struct{}) {
	dials <- struct{}{}
	d := net.Dialer{Timeout: 30 * time.Second, LocalAddr: &net.TCPAddr{IP: net.ParseIP(source)}}
	conn, err := d.Dial("tcp", addr)
	<-dials
	if err != nil {
		ws.failed.Add(1)
		return
	}
	ws.mu.Lock()
	ws.conns = append(ws.conns, conn)
	ws.mu.Unlock()
	if _, err := conn.Write(request); err != nil {
		ws.failed.Add(1)
		return
	}
	ws.sent.Add(1)
	resp, err := http.ReadResponse(bufio.NewReaderSize(conn, 1024), nil)
	if err == nil {
		_, err = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if err == nil && resp.StatusCode != http.StatusOK {
			err = fmt.Errorf("status %s", resp.Status)
		}
	}
	if err != nil {
		ws.failed.Add(1)
		ws.results <- time.Time{}
		return
	}
	ws.results <- time.Now()
}

// collect gathers n answers, or as many as arrive within limit: wake-up
// latencies after the write, the answers that came before it, and how
// many never came.
func (ws *watchers) collect(n int, write time.Time, limit time.Duration) (lat latencies, early, missing int) {
	deadline := time.After(limit)
	for got := 0; got < n; got++ {
		select {
		case end := <-ws.results:
			switch {
			case end.IsZero():
			case end.Before(write):
				early++
			default:
				lat = append(lat, end.Sub(write))
			}
		case <-deadline:
			return lat, early, n - got
		}
	}
	return lat, early, 0
}

// closeAll closes every watcher's connection.
func (ws *watchers) closeAll() {
	ws.mu.Lock()
	defer ws.mu.Unlock()
	for _, c := range ws.conns {
		c.Close()
	}
}

// blockedQueries reads an agent's consul_http_blocking_queries gauge; ok
// is false when it has none.
func blockedQueries(ctx context.Context, c *http.Client, httpAddr string) (n int, ok bool) {
	v, err := scrape(ctx, c, httpAddr, "consul_http_blocking_queries")
	if err != nil || len(v) == 0 {
		return 0, false
	}
	return int(v["consul_http_blocking_queries"]), true
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

// fileLimitWanted is the open-file limit the program asks for: enough
// for 100,000 watchers on the client side and on the agent's, which
// inherits it.
const fileLimitWanted = 1 << 20

// raiseFileLimit lifts the limit on open files to fileLimitWanted (which
// needs privilege), else the soft limit to the hard one, and returns the
// soft limit in force.
func raiseFileLimit() uint64 {
	var lim syscall.Rlimit
	if syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim) != nil {
		return 0
	}
	if lim.Cur < fileLimitWanted {
		want := syscall.Rlimit{Cur: fileLimitWanted, Max: max(lim.Max, fileLimitWanted)}
		if syscall.Setrlimit(syscall.RLIMIT_NOFILE, &want) != nil {
			lim.Cur = lim.Max
			_ = syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim)
		}
	}
	syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim)
	return lim.Cur
}
