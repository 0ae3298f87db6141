package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// cluster is the agents this program started: a single -dev agent, or
// the seed's three servers on 127.0.0.1 and, if asked, a client agent
// beside them. Every agent runs from its own directory under root, which
// stop removes.
type cluster struct {
	bin     string
	root    string
	servers []*proc
	client  *proc
	// idle is every agent's RSS in bytes once the cluster settled, before
	// any load, by agent name.
	idle map[string]int64
	// idleCPU is the CPU each process used over the same idle period, as
	// cpuSnapshot.since renders it.
	idleCPU string
}

// serverIDs are the seed's node_ids (not UUID v4, as the seed has them).
var serverIDs = []string{"09d82408-bc4f-49e0-5555-61ef1d4842f7", "613ccd6e-68d1-3bbd-6666-3cbc450f019d", "d8a09ffd-7ccb-84bd-7777-8d8b7a01951e"}

// clientID is the client agent's node_id.
const clientID = "aa0e8c02-36d5-4f21-8888-0123456789ab"

// maxConnsPerClient is limits.http_max_conns_per_client in every agent
// this program starts: the fan-out measurement opens every watcher from
// a handful of loopback addresses.
const maxConnsPerClient = 1 << 30

// agentConfig is the config.json of one agent in the seed's layout: a
// server with bootstrap_expect 3 or a client agent. ports are the ports
// to bind; nil binds port 0 everywhere.
func agentConfig(name, nodeID, dataDir string, join []string, isServer bool, ports map[string]int) ([]byte, error) {
	if join == nil {
		join = []string{}
	}
	if ports == nil {
		ports = map[string]int{"http": 0, "dns": 0, "serf_lan": 0, "serf_wan": 0, "server": 0, "grpc": 0}
	}
	cfg := map[string]any{
		"datacenter": "prometheus", "bind_addr": "127.0.0.1", "log_level": "INFO",
		"node_id": nodeID, "node_name": name, "data_dir": dataDir, "server": isServer,
		"ui": true, "enable_debug": true, "client_addr": "127.0.0.1", "retry_join": join, "ports": ports,
		"limits": map[string]int{"http_max_conns_per_client": maxConnsPerClient},
	}
	if isServer {
		cfg["bootstrap_expect"] = 3
	}
	return json.MarshalIndent(cfg, "", "  ")
}

// startCluster starts three servers (the second and third joining the
// first) and, if withClient, a client agent, and waits for a leader.
func startCluster(ctx context.Context, root, bin string, withClient bool) (*cluster, error) {
	c := &cluster{bin: bin, root: root}
	first, err := c.startAgent(ctx, "server1", serverIDs[0], nil, true, nil)
	if err != nil {
		return c, err
	}
	c.servers = append(c.servers, first)
	for i, name := range []string{"server2", "server3"} {
		s, err := c.startAgent(ctx, name, serverIDs[i+1], []string{first.addrs.SerfLAN}, true, nil)
		if err != nil {
			return c, err
		}
		c.servers = append(c.servers, s)
	}
	if _, err := c.leader(ctx, time.Minute); err != nil {
		return c, err
	}
	if withClient {
		if c.client, err = c.startAgent(ctx, "client1", clientID, []string{first.addrs.SerfLAN}, false, nil); err != nil {
			return c, err
		}
		if err := waitFor(ctx, func() bool { return knownLeader(c.client.addrs.HTTP) != "" }, time.Minute); err != nil {
			return c, fmt.Errorf("the client agent never learned the leader (log: %s): %w", c.client.logPath, err)
		}
	}
	return c, nil
}

// startAgent writes an agent's config dir and starts it.
func (c *cluster) startAgent(ctx context.Context, name, nodeID string, join []string, isServer bool, ports map[string]int) (*proc, error) {
	dir := filepath.Join(c.root, name)
	confDir, dataDir := filepath.Join(dir, "config"), filepath.Join(dir, "data")
	if err := os.MkdirAll(confDir, 0o700); err != nil {
		return nil, err
	}
	conf, err := agentConfig(name, nodeID, dataDir, join, isServer, ports)
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(confDir, "config.json"), conf, 0o600); err != nil {
		return nil, err
	}
	os.Remove(filepath.Join(dataDir, "bound-addresses.json"))
	p, err := startProc(ctx, name, dir, c.bin, "agent", "-config-dir="+confDir)
	if err != nil {
		return nil, err
	}
	if err := p.waitBound(ctx, dataDir); err != nil || !p.alive() {
		p.kill()
		return nil, fmt.Errorf("%s did not start (%v); its log ends:\n%s", name, err, p.logTail(10))
	}
	return p, nil
}

// restart starts a killed server again from its data dir on the ports it
// had, joining the other servers, so that their Raft configuration still
// names it correctly.
func (c *cluster) restart(ctx context.Context, i int) error {
	old := c.servers[i]
	ports, err := portsOf(old.addrs)
	if err != nil {
		return err
	}
	var join []string
	for j, s := range c.servers {
		if j != i {
			join = append(join, s.addrs.SerfLAN)
		}
	}
	// One of its ports may be held for a while by a connection that
	// happens to use it as its ephemeral local port: try again.
	for try := 1; ; try++ {
		p, err := c.startAgent(ctx, old.name, serverIDs[i], join, true, ports)
		if err == nil {
			c.servers[i] = p
			return nil
		}
		if try == restartTries {
			return err
		}
		time.Sleep(time.Second)
	}
}

// restartTries is how often restart tries to start a server again.
const restartTries = 10

// leader waits until every live server names the same leader and returns
// the index of the server that leads.
func (c *cluster) leader(ctx context.Context, limit time.Duration) (int, error) {
	at := -1
	err := waitFor(ctx, func() bool {
		at = -1
		seen := ""
		for i, s := range c.servers {
			if !s.alive() {
				continue
			}
			l := knownLeader(s.addrs.HTTP)
			if l == "" || (seen != "" && l != seen) {
				return false
			}
			seen = l
			if l == s.addrs.Server {
				at = i
			}
		}
		return at >= 0
	}, limit)
	if err != nil {
		return -1, fmt.Errorf("no agreed leader among the servers (logs under %s): %w", c.root, err)
	}
	return at, nil
}

// agents are every process of the cluster, servers first.
func (c *cluster) agents() []*proc {
	all := append([]*proc(nil), c.servers...)
	if c.client != nil {
		all = append(all, c.client)
	}
	return all
}

// recordIdle notes every agent's RSS as its idle figure.
func (c *cluster) recordIdle() {
	c.idle = map[string]int64{}
	for _, p := range c.agents() {
		c.idle[p.name] = p.rss()
	}
}

// stop stops every agent it started and removes root.
func (c *cluster) stop() {
	for _, p := range c.agents() {
		if p != nil && p.alive() {
			p.stop()
		}
	}
	os.RemoveAll(c.root)
}
