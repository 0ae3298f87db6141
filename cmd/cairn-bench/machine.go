package main

import (
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"time"
)

// machine measures the floor under every cluster figure: how many small
// appends with fsync the disk takes per second, and the loopback TCP round
// trip.
func (b *bench) machine() error {
	fsyncs, err := fsyncRate(b.opts.dataDir, 2*time.Second)
	if err != nil {
		return fmt.Errorf("fsync rate: %w", err)
	}
	rtt, err := loopbackRTT(2000)
	if err != nil {
		return fmt.Errorf("loopback round trip: %w", err)
	}
	b.report("machine", "fsync_dir", b.opts.dataDir, "fsyncs_per_sec", fsyncs,
		"loopback_rtt_p50_ms", rtt.quantile(0.5), "loopback_rtt_p99_ms", rtt.quantile(0.99))
	return nil
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
