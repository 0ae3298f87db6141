package swim

import (
	"maps"
	"time"
)

// State is what a member believes about another.
type State uint8

const (
	// StateAlive: the node answers probes or was refuted alive.
	StateAlive State = iota
	// StateSuspect: a probe failed; the node has until its suspicion
	// timeout to refute.
	StateSuspect
	// StateDead: the suspicion timed out; the node failed.
	StateDead
	// StateLeft: the node announced its departure.
	StateLeft
)

// String names the state as `cairn members` prints it.
func (s State) String() string {
	switch s {
	case StateAlive:
		return "alive"
	case StateSuspect:
		return "suspect"
	case StateDead:
		return "failed"
	case StateLeft:
		return "left"
	}
	return "unknown"
}

// Tags are a node's metadata: role, datacenter, ports, build.
type Tags map[string]string

// NodeInfo is a snapshot of one member as the local member sees it.
type NodeInfo struct {
	Name        string
	Addr        string
	Tags        Tags
	Incarnation uint32
	State       State
	// StateChange is when the local member last changed State.
	StateChange time.Duration
}

// EventKind classifies membership events.
type EventKind uint8

const (
	// EventJoin: a node became known, or came back after failing or leaving.
	EventJoin EventKind = iota + 1
	// EventUpdate: an alive node changed its tags or address.
	EventUpdate
	// EventSuspect: a node became suspect.
	EventSuspect
	// EventAlive: a suspect node refuted its suspicion.
	EventAlive
	// EventFailed: a node was declared dead.
	EventFailed
	// EventLeft: a node left gracefully.
	EventLeft
	// EventReap: a failed or left node was forgotten.
	EventReap
	// EventConflict: a second live node claims a known name from a different
	// address. The claim is not merged; Node is the member as known, and
	// ConflictAddr the other claimant's address.
	EventConflict
)

// String names the event kind.
func (k EventKind) String() string {
	switch k {
	case EventJoin:
		return "join"
	case EventUpdate:
		return "update"
	case EventSuspect:
		return "suspect"
	case EventAlive:
		return "alive"
	case EventFailed:
		return "failed"
	case EventLeft:
		return "left"
	case EventReap:
		return "reap"
	case EventConflict:
		return "conflict"
	}
	return "unknown"
}

// Event is a change in membership.
type Event struct {
	Kind         EventKind
	Node         NodeInfo
	ConflictAddr string
	At           time.Duration
}

// UserEvent is an application broadcast delivered once per member.
type UserEvent struct {
	LTime   uint64
	Name    string
	Payload []byte
}

// Packet is a datagram to send; Payload is already sealed when the member
// has a keyring.
type Packet struct {
	To      string
	Payload []byte
}

// StreamKind says what a stream exchange is for.
type StreamKind uint8

const (
	// StreamPushPull exchanges full state (also used to join).
	StreamPushPull StreamKind = iota + 1
	// StreamProbe is the fallback probe: a ping over a reliable stream.
	StreamProbe
)

// StreamRequest asks the driver to open a stream to To, send Payload, and
// hand the single reply to Member.StreamReply (or report StreamFailed).
type StreamRequest struct {
	ID      uint64
	To      string
	Kind    StreamKind
	Payload []byte
}

// Ready is everything a member produced since the last call to Ready.
type Ready struct {
	Packets    []Packet
	Streams    []StreamRequest
	Events     []Event
	UserEvents []UserEvent
	// KeyQueries holds the results of keyring queries this member
	// started (see KeyQuery).
	KeyQueries []KeyQueryResult
	// KeyringChanged says a keyring query changed the local keyring; the
	// driver persists it before sending Packets, whose answers report the
	// change as done.
	KeyringChanged bool
}

// Empty reports whether r holds nothing.
func (r Ready) Empty() bool {
	return len(r.Packets) == 0 && len(r.Streams) == 0 && len(r.Events) == 0 && len(r.UserEvents) == 0 &&
		len(r.KeyQueries) == 0 && !r.KeyringChanged
}

// Stats are counters for metrics and tests.
type Stats struct {
	// PacketsSent .. BytesReceived count datagrams and their sealed bytes.
	PacketsSent     uint64
	PacketsReceived uint64
	BytesSent       uint64
	BytesReceived   uint64
	// DecryptFailures counts messages no installed key opened (dropped).
	DecryptFailures uint64
	// DecodeFailures counts messages that did not decode (dropped).
	DecodeFailures uint64
	// ProbesSent and ProbesFailed count probes started and probes that
	// ended without an ack.
	ProbesSent   uint64
	ProbesFailed uint64
	// Refutations counts incarnation bumps to refute rumours about self.
	Refutations uint64
	// SuspicionsRaised counts members this member began to suspect.
	SuspicionsRaised uint64
	// Refusals counts stream requests that pool members refused because
	// gossip encryption did not match (refusal.go).
	Refusals uint64
}

func cloneTags(t Tags) Tags {
	if len(t) == 0 {
		return nil
	}
	return maps.Clone(t)
}
