package runtime

import (
	"bufio"
	"net/http"
	"strconv"
	"strings"
	"sync"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

// /v1/agent/monitor streams the agent's log lines as they are written, at
// the level the caller asks for (?loglevel=, default info), whatever the
// agent's own log_level is. A slow reader loses lines rather than slowing
// the agent: each subscriber has a bounded buffer, and the count of lines
// it missed is written when it catches up.

// monitorBuffer is how many lines a subscriber may lag behind.
const monitorBuffer = 512

// logHub fans log entries out to monitor subscribers.
type logHub struct {
	mu   sync.Mutex
	subs map[*logSub]struct{}
}

// logSub is one monitor request.
type logSub struct {
	level   zapcore.Level
	lines   chan string
	dropped int
}

// hubCore is a zap core that hands every entry to the hub.
type hubCore struct {
	hub    *logHub
	fields []zapcore.Field
	enc    zapcore.Encoder
}

// newHubCore returns a core that feeds the hub at every level.
func newHubCore(hub *logHub) zapcore.Core {
	cfg := zap.NewProductionEncoderConfig()
	cfg.EncodeTime = zapcore.ISO8601TimeEncoder
	cfg.EncodeLevel = zapcore.CapitalLevelEncoder
	return &hubCore{hub: hub, enc: zapcore.NewConsoleEncoder(cfg)}
}

func (c *hubCore) Enabled(zapcore.Level) bool { return c.hub.active() }

func (c *hubCore) With(fields []zapcore.Field) zapcore.Core {
	clone := *c
	clone.fields = append(append([]zapcore.Field(nil), c.fields...), fields...)
	return &clone
}

func (c *hubCore) Check(e zapcore.Entry, ce *zapcore.CheckedEntry) *zapcore.CheckedEntry {
	if c.hub.active() {
		return ce.AddCore(e, c)
	}
	return ce
}

func (c *hubCore) Write(e zapcore.Entry, fields []zapcore.Field) error {
	buf, err := c.enc.EncodeEntry(e, append(append([]zapcore.Field(nil), c.fields...), fields...))
	if err != nil {
		return err
	}
	line := strings.TrimRight(buf.String(), "\n")
	buf.Free()
	c.hub.publish(e.Level, line)
	return nil
}

func (c *hubCore) Sync() error { return nil }

// active reports whether anyone is listening.
func (h *logHub) active() bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.subs) > 0
}

// publish hands a line to every subscriber whose level it meets.
func (h *logHub) publish(level zapcore.Level, line string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for s := range h.subs {
		if level < s.level {
			continue
		}
		select {
		case s.lines <- line:
		default:
			s.dropped++
		}
	}
}

// subscribe adds a subscriber at level; cancel removes it.
func (h *logHub) subscribe(level zapcore.Level) (*logSub, func()) {
	s := &logSub{level: level, lines: make(chan string, monitorBuffer)}
	h.mu.Lock()
	if h.subs == nil {
		h.subs = map[*logSub]struct{}{}
	}
	h.subs[s] = struct{}{}
	h.mu.Unlock()
	return s, func() {
		h.mu.Lock()
		delete(h.subs, s)
		h.mu.Unlock()
	}
}

// takeDropped returns and clears how many lines s missed.
func (h *logHub) takeDropped(s *logSub) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	n := s.dropped
	s.dropped = 0
	return n
}

// agentMonitor serves GET /v1/agent/monitor?loglevel=: the log as it is
// written, one line each, until the client goes away.
func (a *Agent) agentMonitor(w http.ResponseWriter, r *http.Request, _ string) error {
	level := zapcore.InfoLevel
	if l := r.URL.Query().Get("loglevel"); l != "" {
		if l == "trace" {
			l = "debug"
		}
		if err := level.UnmarshalText([]byte(strings.ToLower(l))); err != nil {
			return badRequest("Unknown log level: %s", l)
		}
	}
	sub, cancel := a.logs.subscribe(level)
	defer cancel()
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(http.StatusOK)
	flusher, _ := w.(http.Flusher)
	if flusher != nil {
		flusher.Flush()
	}
	out := bufio.NewWriter(w)
	for {
		select {
		case <-r.Context().Done():
			return nil
		case line := <-sub.lines:
			if n := a.logs.takeDropped(sub); n > 0 {
				out.WriteString("[monitor] " + strconv.Itoa(n) + " log lines dropped: the reader is too slow\n")
			}
			out.WriteString(line + "\n")
			out.Flush()
			if flusher != nil {
				flusher.Flush()
			}
		}
	}
}
