package swim

import (
	"errors"
	"fmt"
	"strconv"
	"time"
)

// User events (Serf's "event" mechanism): an application broadcast stamped
// with a Lamport clock, gossiped like membership news and delivered once per
// member. A member remembers the events of the last EventBuffer Lamport
// times to drop duplicates, and ignores events older than that window, which
// it can no longer tell apart from duplicates.

// MaxUserEventBytes bounds an event's name plus payload, as Serf's limit, so
// that an event fits in one packet beside a ping.
const MaxUserEventBytes = 512

// ErrUserEventTooLarge rejects an event whose name and payload exceed
// MaxUserEventBytes.
var ErrUserEventTooLarge = errors.New("swim: user event too large")

// maxEventsPerLTime bounds the distinct events remembered for one Lamport
// time, so that a flood of events cannot grow the buffer without bound;
// beyond it, events at that time are dropped.
const maxEventsPerLTime = 128

// eventLog is the Lamport clock and the recent-event buffer.
type eventLog struct {
	clock  uint64
	recent []recentEvents
}

type recentEvents struct {
	ltime uint64
	seen  []string
}

func newEventLog(size int) eventLog {
	return eventLog{recent: make([]recentEvents, size)}
}

// witness advances the clock past an observed time (Lamport's rule).
func (l *eventLog) witness(t uint64) {
	if t >= l.clock {
		l.clock = t + 1
	}
}

// record reports whether the event is new, remembering it if so.
func (l *eventLog) record(e userEvent) bool {
	return l.note(e.LTime, e.Name+"\x00"+string(e.Payload))
}

// note reports whether the item id stamped ltime is new, remembering it if
// so. Keyring queries share this buffer's logic with their own clock.
func (l *eventLog) note(ltime uint64, id string) bool {
	size := uint64(len(l.recent))
	if l.clock > size && ltime < l.clock-size {
		return false
	}
	slot := &l.recent[ltime%size]
	if slot.ltime != ltime {
		*slot = recentEvents{ltime: ltime}
	}
	if len(slot.seen) >= maxEventsPerLTime {
		return false
	}
	for _, s := range slot.seen {
		if s == id {
			return false
		}
	}
	slot.seen = append(slot.seen, id)
	return true
}

// UserEvent broadcasts an application event to the pool; the local member
// delivers it too.
func (m *Member) UserEvent(now time.Duration, name string, payload []byte) error {
	m.advance(now)
	if len(name)+len(payload) > MaxUserEventBytes {
		return fmt.Errorf("%w: %d bytes", ErrUserEventTooLarge, len(name)+len(payload))
	}
	e := userEvent{LTime: m.events.clock, Name: name, Payload: append([]byte(nil), payload...)}
	m.events.witness(e.LTime)
	m.handleUserEvent(e)
	return nil
}

func (m *Member) handleUserEvent(e userEvent) {
	if len(e.Name)+len(e.Payload) > MaxUserEventBytes {
		return
	}
	m.events.witness(e.LTime)
	if !m.events.record(e) {
		return
	}
	m.ready.UserEvents = append(m.ready.UserEvents, UserEvent{LTime: e.LTime, Name: e.Name, Payload: e.Payload})
	key := "e/" + strconv.FormatUint(e.LTime, 10) + "/" + e.Name + "/" + string(e.Payload)
	m.broadcasts.queueEvent(key, message{userEvent: &e})
}
