package main

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// devAgent is a `cairn agent -dev` this program started.
type devAgent struct {
	cmd      *exec.Cmd
	dir      string
	httpAddr string
}

// startDevAgent runs `<bin> agent -dev` on free loopback ports, with the
// per-client connection limit raised for the fan-out measurement, and
// waits until it has a leader.
func startDevAgent(ctx context.Context, bin string) (*devAgent, error) {
	dir, err := os.MkdirTemp("", "cairn-bench-")
	if err != nil {
		return nil, err
	}
	conf := filepath.Join(dir, "bench.json")
	if err := os.WriteFile(conf, []byte(`{"limits": {"http_max_conns_per_client": 1000000}}`), 0o600); err != nil {
		return nil, err
	}
	ports, err := freePorts(5)
	if err != nil {
		return nil, err
	}
	a := &devAgent{dir: dir, httpAddr: "127.0.0.1:" + strconv.Itoa(ports[0])}
	a.cmd = exec.CommandContext(ctx, bin, "agent", "-dev", "-config-file="+conf,
		"-http-port="+strconv.Itoa(ports[0]), "-dns-port="+strconv.Itoa(ports[1]),
		"-server-port="+strconv.Itoa(ports[2]), "-serf-lan-port="+strconv.Itoa(ports[3]),
		"-serf-wan-port="+strconv.Itoa(ports[4]))
	log, err := os.Create(filepath.Join(dir, "agent.log"))
	if err != nil {
		return nil, err
	}
	a.cmd.Stdout, a.cmd.Stderr = log, log
	if err := a.cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", bin, err)
	}
	err = waitFor(ctx, func() bool { return a.leader() }, 30*time.Second)
	if err != nil {
		a.stop()
		return nil, fmt.Errorf("agent at %s has no leader (log: %s): %w", a.httpAddr, log.Name(), err)
	}
	return a, nil
}

func (a *devAgent) leader() bool {
	resp, err := http.Get("http://" + a.httpAddr + "/v1/status/leader")
	if err != nil {
		return false
	}
	defer resp.Body.Close()
	var b [256]byte
	n, _ := resp.Body.Read(b[:])
	return resp.StatusCode == http.StatusOK && strings.Trim(strings.TrimSpace(string(b[:n])), `"`) != ""
}

func (a *devAgent) stop() {
	if a.cmd.Process != nil {
		a.cmd.Process.Signal(os.Interrupt)
		done := make(chan struct{})
		go func() { a.cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			a.cmd.Process.Kill()
			<-done
		}
	}
	os.RemoveAll(a.dir)
}

// rss is the agent's resident memory in bytes, 0 if unknown (an agent we
// did not start, or no /proc).
func (a *devAgent) rss() int64 {
	if a == nil || a.cmd.Process == nil {
		return 0
	}
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", a.cmd.Process.Pid))
	if err != nil {
		return 0
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		if kb, ok := strings.CutPrefix(s.Text(), "VmRSS:"); ok {
			n, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(kb), "kB")), 10, 64)
			if err == nil {
				return n * 1024
			}
		}
	}
	return 0
}

// freePorts reserves n distinct free loopback ports by binding and closing
// them; another process could take one in between, which the agent then
// reports as a bind error.
func freePorts(n int) ([]int, error) {
	var ports []int
	var lns []net.Listener
	defer func() {
		for _, ln := range lns {
			ln.Close()
		}
	}()
	for range n {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		lns = append(lns, ln)
		ports = append(ports, ln.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}
