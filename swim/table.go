package swim

import (
	"time"
	"unique"
)

// The member table. Every member holds a row for every other, so a pool of
// n members holds n² rows between them, and at a few thousand members the
// rows are most of the memory a simulation needs. A row is therefore a small
// fixed-size record. What every observer stores alike, a member's name,
// address and tags, is immutable, so rows hold it interned (package unique):
// one copy per distinct value in the process, however many members hold it,
// and a comparison of two interned values is a comparison of two pointers.
// Tags are interned in their canonical encoding (encodeTags) and decoded
// only when a NodeInfo is made.

// nodeState is one row of the member table.
type nodeState struct {
	name        unique.Handle[string]
	addr        unique.Handle[string]
	tags        unique.Handle[string]
	incarnation uint32
	state       State
	// stateChange is when the local member last changed state.
	stateChange time.Duration
	// coord is the node's last Vivaldi coordinate and latency filter, nil
	// until its first ack.
	coord *peerCoordinate
	// news is the broadcast about the node still being spread, if any.
	news *broadcast
}

// info returns the row as a NodeInfo that the caller owns.
func (n *nodeState) info() NodeInfo {
	return NodeInfo{Name: n.name.Value(), Addr: n.addr.Value(), Tags: decodeInternedTags(n.tags),
		Incarnation: n.incarnation, State: n.state, StateChange: n.stateChange}
}

// intern returns the process-wide handle of s.
func intern(s string) unique.Handle[string] { return unique.Make(s) }

// internTags returns the handle of t's canonical encoding, so that equal
// tags get equal handles.
func internTags(t Tags) unique.Handle[string] {
	var w wireWriter
	encodeTags(&w, t)
	return unique.Make(string(w.buf))
}

// decodeInternedTags decodes tags interned by internTags, which encoded them
// itself, so that they always decode.
func decodeInternedTags(h unique.Handle[string]) Tags {
	r := wireReader{buf: []byte(h.Value())}
	t := decodeTags(&r)
	if r.err != nil {
		panic("swim: interned tags do not decode: " + r.err.Error())
	}
	return t
}
