package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sync/atomic"
	"time"

	"golang.org/x/sync/errgroup"
)

// machine measures the floor under every cluster figure: how many small
// appends with fsync the disk takes per second, the loopback TCP round
// trip, and how many requests per second HTTP itself carries on this
// machine.
func (b *bench) machine() error {
	fsyncs, err := fsyncRate(b.opts.dataDir, 2*time.Second)
	if err != nil {
		return fmt.Errorf("fsync rate: %w", err)
	}
	rtt, err := loopbackRTT(2000)
	if err != nil {
		return fmt.Errorf("loopback round trip: %w", err)
	}
	floor, err := httpFloor(floorClients, 2*time.Second, b.value)
	if err != nil {
		return fmt.Errorf("HTTP floor: %w", err)
	}
	b.report("machine", "fsync_dir", b.opts.dataDir, "fsyncs_per_sec", fsyncs,
		"loopback_rtt_p50_ms", rtt.quantile(0.5), "loopback_rtt_p99_ms", rtt.quantile(0.99),
		"http_floor_clients", floorClients, "http_floor_per_sec", floor)
	return nil
}

// floorClients is the client count of the HTTP floor, the one the
// throughput targets are set at.
const floorClients = 64

// httpFloor is how many PUTs per second a net/http server in this process
// that only answers "true" takes from this program's own load workers:
// the ceiling that HTTP over loopback, with this load generator on the
// same cores, puts over every throughput figure before cairn does any
// work.
func httpFloor(clients int, d time.Duration, value []byte) (float64, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		io.WriteString(w, "true")
	})}
	go srv.Serve(ln)
	defer srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	conns := rawConns([]string{ln.Addr().String()}, clients)
	defer closeAll(conns)
	var done atomic.Int64
	g, ctx := errgroup.WithContext(ctx)
	start := time.Now()
	for _, c := range conns {
		g.Go(func() error {
			for ctx.Err() == nil {
				if err := c.call(ctx, http.MethodPut, "/floor", value, "true"); err != nil {
					if ctx.Err() != nil {
						return nil
					}
					return err
				}
				done.Add(1)
			}
			return nil
		})
	}
	err = g.Wait()
	return float64(done.Load()) / time.Since(start).Seconds(), err
}

func fsyncRate(dir string, d time.Duration) (float64, error) {
	f, err := os.CreateTemp(dir, "cairn-bench-fsync-*")
	if err != nil {
		return 0, err
	}
	defer os.Remove(f.Name())
	defer f.Close()
	buf := make([]byte, 128)
	n := 0
	start := time.Now()
	for time.Since(start) < d {
		if _, err := f.Write(buf); err != nil {
			return 0, err
		}
		if err := f.Sync(); err != nil {
			return 0, fmt.Errorf("sync %s: %w", filepath.Base(f.Name()), err)
		}
		n++
	}
	return float64(n) / time.Since(start).Seconds(), nil
}

// loopbackRTT times n round trips of 64 bytes over one TCP connection to an
// echo server in this process.
func loopbackRTT(n int) (latencies, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	defer ln.Close()
	go func() {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		io.Copy(c, c)
	}()
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		return nil, err
	}
	defer c.Close()
	msg := make([]byte, 64)
	var lat latencies
	for range n {
		t0 := time.Now()
		if _, err := c.Write(msg); err != nil {
			return nil, err
		}
		if _, err := io.ReadFull(c, msg); err != nil {
			return nil, err
		}
		lat = append(lat, time.Since(t0))
	}
	return lat, nil
}
