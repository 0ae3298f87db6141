package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"
)

// failoverWriters is how many writers keep writing through the surviving
// servers during a failover trial, for the lost-write check.
const failoverWriters = 4

// failover kills the leader with SIGKILL, times until a write through a
// surviving server succeeds again and until the survivors name a new
// leader, checks that every write acknowledged before, during and after
// is still there, restarts the killed server, and repeats.
func (b *bench) failover(ctx context.Context) error {
	c := b.cluster
	if c == nil || len(c.servers) < 3 {
		return errors.New("failover needs a cluster this program started (-cluster)")
	}
	var recovered, elected latencies
	lostTotal := 0
	for trial := 1; trial <= b.opts.failoverTrials; trial++ {
		t, err := b.failoverTrial(ctx, trial)
		if err != nil {
			return fmt.Errorf("trial %d: %w", trial, err)
		}
		b.report("failover", "trial", trial, "killed", t.killed, "write_recovered_ms", t.recovered,
			"new_leader_ms", t.elected, "acked_writes", t.acked, "lost_writes", t.lost)
		recovered, elected = append(recovered, t.recovered), append(elected, t.elected)
		lostTotal += t.lost
		if err := c.restart(ctx, t.index); err != nil {
			return fmt.Errorf("restart %s: %w", t.killed, err)
		}
		if _, err := c.leader(ctx, time.Minute); err != nil {
			return err
		}
	}
	b.report("failover-summary", "trials", len(recovered),
		"write_recovered_p50_ms", recovered.quantile(0.5), "write_recovered_max_ms", recovered.quantile(1),
		"new_leader_p50_ms", elected.quantile(0.5), "new_leader_max_ms", elected.quantile(1), "lost_writes", lostTotal)
	return nil
}

// failoverTrial is one kill and what followed it.
type failoverTrial struct {
	index              int
	killed             string
	recovered, elected time.Duration
	acked, lost        int
}

func (b *bench) failoverTrial(ctx context.Context, trial int) (failoverTrial, error) {
	c := b.cluster
	leader, err := c.leader(ctx, time.Minute)
	if err != nil {
		return failoverTrial{}, err
	}
	old := c.servers[leader]
	var survivors []*proc
	for i, s := range c.servers {
		if i != leader {
			survivors = append(survivors, s)
		}
	}
	prefix := fmt.Sprintf("bench/failover/%d/", trial)
	client := httpClient(failoverWriters+1, 30*time.Second)
	w := startFailoverWriters(ctx, client, survivors, prefix)
	time.Sleep(500 * time.Millisecond)
	killed := time.Now()
	old.kill()
	electedCh := make(chan time.Duration, 1)
	go func() {
		waitFor(ctx, func() bool {
			l := knownLeader(survivors[0].addrs.HTTP)
			return l != "" && l != old.addrs.Server
		}, time.Minute)
		electedCh <- time.Since(killed)
	}()
	err = waitFor(ctx, func() bool {
		return do(ctx, client, http.MethodPut, "http://"+survivors[0].addrs.HTTP+"/v1/kv/"+prefix+"probe", b.value, "true") == nil
	}, time.Minute)
	recovered := time.Since(killed)
	elected := <-electedCh
	if err != nil {
		w.stop()
		return failoverTrial{}, fmt.Errorf("no write succeeded after the kill: %w", err)
	}
	time.Sleep(500 * time.Millisecond)
	acked := w.stop()
	stored, err := listKeys(ctx, client, survivors[1].addrs.HTTP, prefix)
	if err != nil {
		return failoverTrial{}, err
	}
	return failoverTrial{index: leader, killed: old.name, recovered: recovered, elected: elected,
		acked: len(acked), lost: countMissing(acked, stored)}, nil
}

// writerPool is writers that write distinct keys under a prefix in a
// loop, through the given servers in turn, and remember which writes were
// acknowledged.
type writerPool struct {
	cancel context.CancelFunc
	wg     sync.WaitGroup
	mu     sync.Mutex
	acked  []string
}

// startFailoverWriters starts failoverWriters writers.
func startFailoverWriters(ctx context.Context, client *http.Client, servers []*proc, prefix string) *writerPool {
	ctx, cancel := context.WithCancel(ctx)
	w := &writerPool{cancel: cancel}
	for i := range failoverWriters {
		w.wg.Add(1)
		go func() {
			defer w.wg.Done()
			for seq := 0; ctx.Err() == nil; seq++ {
				key := fmt.Sprintf("%s%d/%d", prefix, i, seq)
				url := "http://" + servers[(i+seq)%len(servers)].addrs.HTTP + "/v1/kv/" + key
				if do(ctx, client, http.MethodPut, url, []byte(key), "true") == nil {
					w.mu.Lock()
					w.acked = append(w.acked, key)
					w.mu.Unlock()
				} else {
					time.Sleep(10 * time.Millisecond)
				}
			}
		}()
	}
	return w
}

// stop ends the writers and returns the keys whose write was acknowledged.
func (w *writerPool) stop() []string {
	w.cancel()
	w.wg.Wait()
	return w.acked
}

// listKeys lists the keys under prefix with a consistent read.
func listKeys(ctx context.Context, c *http.Client, httpAddr, prefix string) ([]string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+httpAddr+"/v1/kv/"+prefix+"?keys&consistent", nil)
	if err != nil {
		return nil, err
	}
	resp, err := c.Do(req)
	if err != nil {
		return nil, fmt.Errorf("list %s: %w", prefix, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("list %s: %s", prefix, resp.Status)
	}
	var keys []string
	if err := json.NewDecoder(resp.Body).Decode(&keys); err != nil {
		return nil, fmt.Errorf("list %s: %w", prefix, err)
	}
	return keys, nil
}

// countMissing counts the acknowledged keys absent from stored.
func countMissing(acked, stored []string) int {
	have := make(map[string]bool, len(stored))
	for _, k := range stored {
		have[k] = true
	}
	n := 0
	for _, k := range acked {
		if !have[k] {
			n++
		}
	}
	return n
}
