package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/consul/api"
	"github.com/stretchr/testify/require"
)

// wait bounds every wait; nothing here is timed.
const wait = 60 * time.Second

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

// cairnBinary builds cmd/cairn once per test binary.
func cairnBinary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "cairn-e2e-bin-")
		if err != nil {
			buildErr = err
			return
		}
		binPath = filepath.Join(dir, "cairn")
		out, err := exec.Command("go", "build", "-o", binPath, "github.com/cairn-sd/cairn/cmd/cairn").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	require.NoError(t, buildErr)
	return binPath
}

// server is one agent process.
type server struct {
	name    string
	dir     string
	cmd     *exec.Cmd
	log     *bytes.Buffer
	httpURL string
	serfLAN string
	exited  chan struct{}
}

// seedConfig is an agent's config.json in the seed's layout, with every
// port 0 so that parallel runs never collide: a server with
// bootstrap_expect 3, or a client agent.
func seedConfig(name, nodeID, dataDir, key string, join []string, isServer bool, extra map[string]any) string {
	if join == nil {
		join = []string{}
	}
	cfg := map[string]any{
		"datacenter": "prometheus", "bind_addr": "127.0.0.1", "log_level": "INFO",
		"node_id": nodeID, "node_name": name, "data_dir": dataDir, "server": isServer,
		"encrypt": key, "ui": true, "client_addr": "127.0.0.1", "retry_join": join,
		"ports": map[string]int{"http": 0, "dns": 0, "serf_lan": 0, "serf_wan": 0, "server": 0, "grpc": 0},
	}
	if isServer {
		cfg["bootstrap_expect"] = 3
	}
	maps.Copy(cfg, extra)
	b, _ := json.MarshalIndent(cfg, "", "  ")
	return string(b)
}

// startServer writes the config dir and starts `cairn agent -config-dir`,
// then reads the bound addresses back from the data dir.
func startServer(t *testing.T, bin, root, name, nodeID, key string, join []string) *server {
	return startAgent(t, bin, root, name, nodeID, key, join, true, nil)
}

// startAgent starts a server or a client agent.
func startAgent(t *testing.T, bin, root, name, nodeID, key string, join []string, isServer bool, extra map[string]any) *server {
	t.Helper()
	s := &server{name: name, dir: filepath.Join(root, name), log: &bytes.Buffer{}}
	confDir, dataDir := filepath.Join(s.dir, "config"), filepath.Join(s.dir, "data")
	require.NoError(t, os.MkdirAll(confDir, 0o700))
	require.NoError(t, os.WriteFile(filepath.Join(confDir, "config.json"),
		[]byte(seedConfig(name, nodeID, dataDir, key, join, isServer, extra)), 0o600))
	s.start(t, bin)
	return s
}

func (s *server) start(t *testing.T, bin string) {
	t.Helper()
	os.Remove(filepath.Join(s.dir, "data", "bound-addresses.json"))
	s.cmd = exec.Command(bin, "agent", "-config-dir="+filepath.Join(s.dir, "config"))
	s.cmd.Stdout, s.cmd.Stderr = s.log, s.log
	require.NoError(t, s.cmd.Start())
	s.exited = make(chan struct{})
	go func() { s.cmd.Wait(); close(s.exited) }()
	t.Cleanup(s.kill)
	var ba struct {
		HTTP    string `json:"http"`
		SerfLAN string `json:"serf_lan"`
	}
	deadline := time.Now().Add(wait)
	for {
		b, err := os.ReadFile(filepath.Join(s.dir, "data", "bound-addresses.json"))
		if err == nil && json.Unmarshal(b, &ba) == nil && ba.SerfLAN != "" {
			break
		}
		select {
		case <-s.exited:
			t.Fatalf("%s exited at start; log:\n%s", s.name, s.log)
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s never wrote its bound addresses; log:\n%s", s.name, s.log)
		}
	}
	s.httpURL, s.serfLAN = ba.HTTP, ba.SerfLAN
}

// kill ends the process at once, as kill -9 does, and waits for it.
func (s *server) kill() {
	if s.cmd != nil && s.cmd.Process != nil {
		s.cmd.Process.Kill()
		<-s.exited
	}
}

func (s *server) client(t *testing.T) *api.Client {
	t.Helper()
	c, err := api.NewClient(&api.Config{Address: s.httpURL})
	require.NoError(t, err)
	return c
}

// id returns the server's node ID (its Raft server ID).
func (s *server) id(t *testing.T) string {
	t.Helper()
	self, err := s.client(t).Agent().Self()
	require.NoError(t, err)
	return self["Config"]["NodeID"].(string)
}

// cli runs the cairn command against a server and returns its output.
func (s *server) cli(t *testing.T, bin string, args ...string) string {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), "CAIRN_HTTP_ADDR="+s.httpURL, "CONSUL_HTTP_ADDR=")
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "cairn %s: %s", strings.Join(args, " "), out)
	return string(out)
}

// leaderOf waits until every live server names the same leader and
// returns the server that leads.
func leaderOf(t *testing.T, servers []*server) *server {
	t.Helper()
	var leader *server
	require.Eventually(t, func() bool {
		leader = nil
		var seen string
		for _, s := range servers {
			addr, err := s.client(t).Status().Leader()
			if err != nil || addr == "" || (seen != "" && addr != seen) {
				return false
			}
			seen = addr
		}
		for _, s := range servers {
			if self, err := s.client(t).Agent().Self(); err == nil && self["Stats"] != nil {
				if st, ok := self["Stats"]["raft"].(map[string]any); ok && st["state"] == "leader" {
					leader = s
				}
			}
		}
		return leader != nil
	}, wait, 50*time.Millisecond, "no agreed leader")
	return leader
}
