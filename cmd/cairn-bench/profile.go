package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"sync"
)

// profile starts, with -cpu-profile, a CPU profile and an allocation
// profile of every agent of the cluster for the length of one run (the
// agents serve /debug/pprof/ with enable_debug), and returns the function
// that waits for them and saves each as DIR/<run>-<agent>.pprof and
// DIR/<run>-<agent>.allocs.pprof, to be read with `go tool pprof`.
// Without -cpu-profile it does nothing.
func (b *bench) profile(ctx context.Context, run string) (wait func()) {
	if b.opts.profileDir == "" || b.cluster == nil {
		return func() {}
	}
	seconds := strconv.Itoa(max(1, int(b.opts.duration.Seconds())))
	var wg sync.WaitGroup
	for _, p := range b.cluster.agents() {
		for kind, suffix := range map[string]string{"profile": ".pprof", "allocs": ".allocs.pprof"} {
			path := filepath.Join(b.opts.profileDir, run+"-"+p.name+suffix)
			url := "http://" + p.addrs.HTTP + "/debug/pprof/" + kind + "?seconds=" + seconds
			wg.Add(1)
			go func() {
				defer wg.Done()
				if err := saveURL(ctx, url, path); err != nil {
					fmt.Fprintf(os.Stderr, "cairn-bench: %s of %s: %v\n", kind, p.name, err)
				}
			}()
		}
	}
	return wg.Wait
}

// saveURL writes the body of a GET of url to path.
func saveURL(ctx context.Context, url, path string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s: %s", url, resp.Status)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return err
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, resp.Body); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
