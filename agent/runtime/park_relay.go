package runtime

import (
	"bytes"
	"slices"
)

// The answers to the relayed queries a client agent parked arrive one RPC
// reply each, but after one write on the server thousands of them arrive
// together, most of them identical. They are gathered and answered in
// batches, as the queries woken by one notifier are: a run of identical
// replies is decoded and rendered once, and written by several workers.

// relayAnswer is a server's reply to one relayed query, or its call's
// error.
type relayAnswer struct {
	pk   *parked
	resp []byte
	err  error
}

// relayAnswered queues a relayed query's answer; the first answer queued
// since the last batch asks a worker to write the batch.
func (p *parkingLot) relayAnswered(pk *parked, resp []byte, callErr error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.relayed = append(p.relayed, relayAnswer{pk: pk, resp: resp, err: callErr})
	if len(p.relayed) == 1 {
		p.doLocked(p.answerRelayed)
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
		if p.a.baseCtx.Err() != nil {
			err = errShuttingDown
		}
		rw = newRawResponse()
		writeError(rw, err)
	}
	return rw
}
