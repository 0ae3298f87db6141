package runtime

import (
	"encoding/binary"
	"errors"
	"fmt"
	"regexp"
	"sync"

	"github.com/cairn-sd/cairn/catalog"
	"github.com/cairn-sd/cairn/swim"
)

// User events (/v1/event): an event fired on any agent is gossiped to
// every agent of the datacenter (swim's user events, Serf's in Consul).
// Each agent keeps the last eventBufferSize events that pass its filters
// — the node name, or a local service and tag, matched against the
// event's regular expressions — and lists them, blocking queries
// included. The index of a list is how many events this agent has kept,
// which only grows.

// eventBufferSize is how many recent events an agent keeps, as Consul.
const eventBufferSize = 256

// eventWireVersion is the version byte of an event's gossip payload.
const eventWireVersion = 1

// userEvent is an event as /v1/event shows it.
type userEvent struct {
	ID            string
	Name          string
	Payload       []byte
	NodeFilter    string
	ServiceFilter string
	TagFilter     string
	Version       int
	LTime         uint64
}

// errBadEventPayload refuses a gossip payload that is not an event.
var errBadEventPayload = errors.New("not a cairn event payload")

// encodeEvent packs everything but the name (carried by swim) and LTime:
// version, the 16 bytes of the ID, the three filters each after a length
// byte, then the payload.
func encodeEvent(e userEvent, id [16]byte) ([]byte, error) {
	b := append([]byte{eventWireVersion}, id[:]...)
	for _, f := range []string{e.NodeFilter, e.ServiceFilter, e.TagFilter} {
		if len(f) > 255 {
			return nil, fmt.Errorf("event filter longer than 255 bytes: %q", f)
		}
		b = append(append(b, byte(len(f))), f...)
	}
	return append(b, e.Payload...), nil
}

// decodeEvent unpacks a gossiped event.
func decodeEvent(ue swim.UserEvent) (userEvent, error) {
	b := ue.Payload
	if len(b) < 17 || b[0] != eventWireVersion {
		return userEvent{}, errBadEventPayload
	}
	e := userEvent{ID: formatUUID(b[1:17]), Name: ue.Name, Version: 1, LTime: ue.LTime}
	b = b[17:]
	filters := make([]string, 3)
	for i := range filters {
		if len(b) < 1 || len(b) < 1+int(b[0]) {
			return userEvent{}, errBadEventPayload
		}
		filters[i], b = string(b[1:1+int(b[0])]), b[1+int(b[0]):]
	}
	e.NodeFilter, e.ServiceFilter, e.TagFilter = filters[0], filters[1], filters[2]
	if len(b) > 0 {
		e.Payload = b
	}
	return e, nil
}

// formatUUID writes 16 bytes in UUID form.
func formatUUID(b []byte) string {
	return fmt.Sprintf("%08x-%04x-%04x-%04x-%012x", binary.BigEndian.Uint32(b[0:4]),
		binary.BigEndian.Uint16(b[4:6]), binary.BigEndian.Uint16(b[6:8]), binary.BigEndian.Uint16(b[8:10]), b[10:16])
}

// eventLog is the agent's recent events, safe for concurrent use.
type eventLog struct {
	mu      sync.Mutex
	events  []userEvent
	kept    uint64
	changed chan struct{}
}

func newEventLog() *eventLog { return &eventLog{changed: make(chan struct{})} }

// add keeps an event and wakes the waiting lists.
func (l *eventLog) add(e userEvent) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.events = append(l.events, e)
	if len(l.events) > eventBufferSize {
		l.events = l.events[len(l.events)-eventBufferSize:]
	}
	l.kept++
	close(l.changed)
	l.changed = make(chan struct{})
}

// list returns the kept events named name (all when empty), the index, and
// a channel closed at the next event.
func (l *eventLog) list(name string) ([]userEvent, uint64, <-chan struct{}) {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := []userEvent{}
	for _, e := range l.events {
		if name == "" || e.Name == name {
			out = append(out, e)
		}
	}
	return out, l.kept, l.changed
}

// wanted reports whether this agent keeps event e: its node matches the
// node filter, and a local service matches the service filter (and, with
// a tag filter, has a matching tag). A filter that does not compile drops
// the event.
func wanted(e userEvent, node string, services []catalog.Service) bool {
	if e.NodeFilter != "" && !matches(e.NodeFilter, node) {
		return false
	}
	if e.ServiceFilter == "" {
		return true
	}
	for _, svc := range services {
		if !matches(e.ServiceFilter, svc.Service) {
			continue
		}
		if e.TagFilter == "" {
			return true
		}
		for _, tag := range svc.Tags {
			if matches(e.TagFilter, tag) {
				return true
			}
		}
	}
	return false
}

func matches(expr, s string) bool {
	re, err := regexp.Compile(expr)
	return err == nil && re.MatchString(s)
}

// onUserEvent keeps an event the pool delivered, if it is for this agent;
// it runs on the loop.
func (a *Agent) onUserEvent(ue swim.UserEvent) {
	e, err := decodeEvent(ue)
	if err != nil || a.local == nil {
		return
	}
	if wanted(e, a.cfg.NodeName, a.local.Services()) {
		a.events.add(e)
	}
}
