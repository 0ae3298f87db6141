package main

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// clockTicksPerSec is the unit of utime and stime in /proc/<pid>/stat
// (USER_HZ, 100 on every Linux this runs on).
const clockTicksPerSec = 100

// parseCPUTicks reads the user plus system CPU time, in clock ticks, from
// the text of a /proc/<pid>/stat file.
func parseCPUTicks(stat string) (int64, error) {
	// The command name, in parentheses, may hold spaces: count fields
	// after its closing parenthesis, where the state is field 3.
	i := strings.LastIndexByte(stat, ')')
	if i < 0 {
		return 0, fmt.Errorf("stat %q has no command name", stat)
	}
	fields := strings.Fields(stat[i+1:])
	if len(fields) < 13 {
		return 0, fmt.Errorf("stat has %d fields after the name, want 13 or more", len(fields))
	}
	var total int64
	for _, f := range fields[11:13] { // fields 14 and 15: utime, stime
		n, err := strconv.ParseUint(f, 10, 62)
		if err != nil {
			return 0, fmt.Errorf("stat cpu time %q: %w", f, err)
		}
		total += int64(n)
	}
	return total, nil
}

// cpuTicks is a process's CPU time in clock ticks, -1 if unknown.
func cpuTicks(pid int) int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return -1
	}
	n, err := parseCPUTicks(string(b))
	if err != nil {
		return -1
	}
	return n
}

// cpuSnapshot is the CPU time of this program and of every agent it
// started at one moment.
type cpuSnapshot struct {
	at    time.Time
	names []string
	pids  []int
	ticks []int64
}

// cpuNow takes a snapshot.
func (b *bench) cpuNow() cpuSnapshot { return cpuNow(b.cluster) }

// cpuNow takes a snapshot of this program and of c's agents (c may be
// nil).
func cpuNow(c *cluster) cpuSnapshot {
	s := cpuSnapshot{at: time.Now(), names: []string{"bench"}, pids: []int{os.Getpid()}}
	if c != nil {
		for _, p := range c.agents() {
			if p.alive() {
				s.names, s.pids = append(s.names, p.name), append(s.pids, p.pid())
			}
		}
	}
	for _, pid := range s.pids {
		s.ticks = append(s.ticks, cpuTicks(pid))
	}
	return s
}

// since renders the CPU each process used since the snapshot, in percent
// of one core, as name:percent pairs joined by commas.
func (s cpuSnapshot) since() string {
	now := time.Now()
	var parts []string
	for i, pid := range s.pids {
		t := cpuTicks(pid)
		if t < 0 || s.ticks[i] < 0 {
			continue
		}
		pct := float64(t-s.ticks[i]) / clockTicksPerSec / now.Sub(s.at).Seconds() * 100
		parts = append(parts, fmt.Sprintf("%s:%.0f%%", s.names[i], pct))
	}
	if len(parts) == 0 {
		return "unknown"
	}
	return strings.Join(parts, ",")
}
