package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/cairn-sd/cairn/agent/runtime"
)

// proc is one agent process this program started: a `-dev` agent, or a
// server or client agent of a cluster started from a config dir.
type proc struct {
	name    string
	dir     string
	args    []string
	cmd     *exec.Cmd
	exited  chan struct{}
	logPath string
	// addrs are the addresses the agent bound, as it wrote them to
	// bound-addresses.json (for a -dev agent only HTTP is set).
	addrs runtime.BoundAddresses
}

// startProc runs bin with args, its output appended to dir/agent.log.
func startProc(ctx context.Context, name, dir, bin string, args ...string) (*proc, error) {
	p := &proc{name: name, dir: dir, args: args, logPath: filepath.Join(dir, "agent.log")}
	log, err := os.OpenFile(p.logPath, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		return nil, err
	}
	defer log.Close()
	p.cmd = exec.CommandContext(ctx, bin, args...)
	p.cmd.Stdout, p.cmd.Stderr = log, log
	if err := p.cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", bin, err)
	}
	p.exited = make(chan struct{})
	go func() { p.cmd.Wait(); close(p.exited) }()
	return p, nil
}

// waitBound waits for the agent to write bound-addresses.json in dataDir.
func (p *proc) waitBound(ctx context.Context, dataDir string) error {
	return waitFor(ctx, func() bool {
		select {
		case <-p.exited:
			return true
		default:
		}
		ba, err := runtime.ReadBoundAddresses(dataDir)
		if err != nil || ba.HTTP == "" || ba.SerfLAN == "" {
			return false
		}
		p.addrs = ba
		return true
	}, time.Minute)
}

// logTail is the last n lines of the agent's log.
func (p *proc) logTail(n int) string {
	b, err := os.ReadFile(p.logPath)
	if err != nil {
		return err.Error()
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}

// alive reports whether the process is still running; false for an
// agent this program did not start.
func (p *proc) alive() bool {
	if p.cmd == nil {
		return false
	}
	select {
	case <-p.exited:
		return false
	default:
		return true
	}
}

// pid is the process id.
func (p *proc) pid() int { return p.cmd.Process.Pid }

// kill ends the process at once, as kill -9 does, and waits for it.
func (p *proc) kill() {
	p.cmd.Process.Kill()
	<-p.exited
}

// stop asks the process to leave (SIGINT) and kills it after 10 s.
func (p *proc) stop() {
	p.cmd.Process.Signal(os.Interrupt)
	select {
	case <-p.exited:
	case <-time.After(10 * time.Second):
		p.kill()
	}
}

// rss is the process's resident memory in bytes, 0 if unknown (no proc,
// or no /proc).
func (p *proc) rss() int64 {
	if p == nil || !p.alive() {
		return 0
	}
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", p.pid()))
	if err != nil {
		return 0
	}
	defer f.Close()
	n, _ := parseVmRSS(f)
	return n
}

// parseVmRSS reads the VmRSS line of a /proc/<pid>/status file, in bytes.
func parseVmRSS(r io.Reader) (int64, error) {
	s := bufio.NewScanner(r)
	for s.Scan() {
		rest, ok := strings.CutPrefix(s.Text(), "VmRSS:")
		if !ok {
			continue
		}
		kb, ok := strings.CutSuffix(strings.TrimSpace(rest), "kB")
		if !ok {
			return 0, fmt.Errorf("VmRSS %q is not in kB", rest)
		}
		n, err := strconv.ParseUint(strings.TrimSpace(kb), 10, 40)
		if err != nil {
			return 0, fmt.Errorf("VmRSS %q: %w", rest, err)
		}
		return int64(n) * 1024, nil
	}
	return 0, fmt.Errorf("no VmRSS line")
}

// startDevAgent runs `<bin> agent -dev` on free loopback ports, with the
// per-client connection limit raised for the fan-out measurement, and
// waits until it has a leader.
func startDevAgent(ctx context.Context, root, bin string) (*proc, error) {
	conf := filepath.Join(root, "bench.json")
	if err := os.WriteFile(conf, []byte(`{"limits": {"http_max_conns_per_client": 1000000}}`), 0o600); err != nil {
		return nil, err
	}
	ports, err := freePorts(5)
	if err != nil {
		return nil, err
	}
	p, err := startProc(ctx, "dev", root, bin, "agent", "-dev", "-config-file="+conf,
		"-http-port="+strconv.Itoa(ports[0]), "-dns-port="+strconv.Itoa(ports[1]),
		"-server-port="+strconv.Itoa(ports[2]), "-serf-lan-port="+strconv.Itoa(ports[3]),
		"-serf-wan-port="+strconv.Itoa(ports[4]))
	if err != nil {
		return nil, err
	}
	p.addrs = runtime.BoundAddresses{HTTP: "127.0.0.1:" + strconv.Itoa(ports[0]),
		DNS: "127.0.0.1:" + strconv.Itoa(ports[1]), Server: "127.0.0.1:" + strconv.Itoa(ports[2])}
	if err := waitFor(ctx, func() bool { return knownLeader(p.addrs.HTTP) != "" || !p.alive() }, 30*time.Second); err != nil || !p.alive() {
		p.kill()
		return nil, fmt.Errorf("agent at %s has no leader (log: %s): %v", p.addrs.HTTP, p.logPath, err)
	}
	return p, nil
}

// knownLeader is the Raft address an agent names as its datacenter's
// leader, "" if none or unreachable.
func knownLeader(httpAddr string) string {
	c := &http.Client{Timeout: 2 * time.Second}
	resp, err := c.Get("http://" + httpAddr + "/v1/status/leader")
	if err != nil {
		return ""
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 256))
	if resp.StatusCode != http.StatusOK {
		return ""
	}
	return strings.Trim(strings.TrimSpace(string(b)), `"`)
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
