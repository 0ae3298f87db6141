package runtime

import (
	"bytes"
	"slices"
)

// A client agent parks the blocking queries it relays (relay.go), and
// identical ones share a relay: a query whose request, as the server would
// see it (path, parameters with ?index and ?wait, token, body), matches one
// already relayed and unanswered joins that relay's group instead of
// sending its own. Ten thousand watchers of one key through a client agent
// then cost one RPC and one parked query on the server, and the one reply
// answers them all. The group's relay is cancelled on the server only once
// every member's client has gone.
//
// Answers are queued and written in batches, as the queries woken by one
// notifier are: a run of identical replies is decoded and rendered once,
// and written by several workers.

// relayGroup is the parked queries sharing one relayed request.
type relayGroup struct {
	members map[*parked]struct{}
	// cancel stops the relayed request on the server.
	cancel func()
}

// relayAnswer is a server's reply to one relayed query, or its call's
// error.
type relayAnswer struct {
	pk   *parked
	resp []byte
	err  error
}

// joinRelayGroup adds pk to the group relaying key, making the group if
// there is none (first is then true: the caller sends the request). An
// empty key shares nothing. Called with the lot's lock held (from take).
func (p *parkingLot) joinRelayGroup(pk *parked, key string, cancel func()) (g *relayGroup, first bool) {
	g = p.relayGroups[key]
	if g == nil || key == "" {
		g, first = &relayGroup{members: make(map[*parked]struct{}), cancel: cancel}, true
		if key != "" {
			p.relayGroups[key] = g
		}
	}
	g.members[pk] = struct{}{}
	pk.onDrop = func() { p.leaveRelayGroup(key, g, pk) }
	return g, first
}

// leaveRelayGroup takes pk, whose client left, out of its group; the last
// to leave cancels the relay.
func (p *parkingLot) leaveRelayGroup(key string, g *relayGroup, pk *parked) {
	p.mu.Lock()
	delete(g.members, pk)
	last := len(g.members) == 0
	if last && p.relayGroups[key] == g {
		delete(p.relayGroups, key)
	}
	p.mu.Unlock()
	if last {
		g.cancel()
	}
}

// relayGroupAnswered queues the server's reply for every member of g; the
// first answer queued since the last batch asks a worker to write them.
func (p *parkingLot) relayGroupAnswered(key string, g *relayGroup, resp []byte, callErr error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.relayGroups[key] == g {
		delete(p.relayGroups, key)
	}
	if len(g.members) == 0 {
		return
	}
	if len(p.relayed) == 0 {
		p.doLocked(p.answerRelayed)
	}
	for pk := range g.members {
		p.relayed = append(p.relayed, relayAnswer{pk: pk, resp: resp, err: callErr})
	}
}

// answerRelayed takes the queued answers and hands each run of identical
// ones to the workers in chunks of at most parkBatchMax.
func (p *parkingLot) answerRelayed() {
	p.mu.Lock()
	batch := p.relayed
	p.relayed = nil
	p.mu.Unlock()
	for len(batch) > 0 {
		n := 1
		for n < len(batch) && sameRelayAnswer(batch[0], batch[n]) {
			n++
		}
		rw := p.relayResponse(batch[0])
		// Both renderings now, so that the workers sharing rw only read.
		rw.bytes(true)
		rw.bytes(false)
		for chunk := range slices.Chunk(batch[:n], parkBatchMax) {
			due := make([]*parked, len(chunk))
			for i, ra := range chunk {
				due[i] = ra.pk
			}
			p.mu.Lock()
			p.doLocked(func() { p.answer(due, rw) })
			p.mu.Unlock()
		}
		batch = batch[n:]
	}
}

// sameRelayAnswer reports whether two replies are the same answer.
func sameRelayAnswer(a, b relayAnswer) bool {
	return a.err == nil && b.err == nil && bytes.Equal(a.resp, b.resp)
}

// relayResponse decodes a server's reply into the response to write, or
// the error to answer instead.
func (p *parkingLot) relayResponse(ra relayAnswer) *rawResponse {
	rw := newRawResponse()
	if err := writeRelayed(rw, ra.resp, ra.err); err != nil {
		rw = newRawResponse()
		p.writeFailure(rw, err)
	}
	return rw
}
