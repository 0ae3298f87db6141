package driver

import (
	"encoding/binary"
	"slices"
)

// pending holds the requests of this server that wait for an outcome:
// proposals by log index, reads by the context handed to the core.
type pending struct {
	proposals map[uint64]proposal
	reads     map[uint64]*read
	nextRead  uint64
	// ready holds reads whose index the leader confirmed, waiting for the
	// state machine to apply up to it, in the order confirmed.
	ready []*read
}

type proposal struct {
	term uint64
	done func(result any, err error)
}

type read struct {
	id    uint64
	index uint64
	done  func(err error)
}

func (p *pending) addProposal(index, term uint64, done func(any, error)) {
	if p.proposals == nil {
		p.proposals = make(map[uint64]proposal)
	}
	p.proposals[index] = proposal{term: term, done: done}
}

// commit answers the proposal at index, if this server made one: with the
// result if the committed entry is the proposed one, else with
// ErrLeadershipLost (another leader's entry took the index).
func (p *pending) commit(index, term uint64, result any) {
	pr, ok := p.proposals[index]
	if !ok {
		return
	}
	delete(p.proposals, index)
	if pr.term != term {
		pr.done(nil, ErrLeadershipLost)
		return
	}
	pr.done(result, nil)
}

// drop fails the proposal at index with err, if its term matches.
func (p *pending) drop(index, term uint64, err error) {
	if pr, ok := p.proposals[index]; ok && pr.term == term {
		delete(p.proposals, index)
		pr.done(nil, err)
	}
}

func (p *pending) addRead(done func(error)) []byte {
	if p.reads == nil {
		p.reads = make(map[uint64]*read)
	}
	p.nextRead++
	p.reads[p.nextRead] = &read{id: p.nextRead, done: done}
	return binary.BigEndian.AppendUint64(nil, p.nextRead)
}

func readID(ctx []byte) (uint64, bool) {
	if len(ctx) != 8 {
		return 0, false
	}
	return binary.BigEndian.Uint64(ctx), true
}

// confirmRead moves a read to the queue of reads waiting to be applied.
func (p *pending) confirmRead(ctx []byte, index uint64) {
	id, ok := readID(ctx)
	if r, found := p.reads[id]; ok && found {
		delete(p.reads, id)
		r.index = index
		p.ready = append(p.ready, r)
	}
}

func (p *pending) failRead(ctx []byte, err error) {
	id, ok := readID(ctx)
	if r, found := p.reads[id]; ok && found {
		delete(p.reads, id)
		r.done(err)
	}
}

// applied answers the confirmed reads whose index is now applied.
func (p *pending) applied(index uint64) {
	kept := p.ready[:0]
	for _, r := range p.ready {
		if r.index <= index {
			r.done(nil)
			continue
		}
		kept = append(kept, r)
	}
	clear(p.ready[len(kept):])
	p.ready = kept
}

// failAll fails every pending request, in a deterministic order.
func (p *pending) failAll(err error) {
	indexes := make([]uint64, 0, len(p.proposals))
	for i := range p.proposals {
		indexes = append(indexes, i)
	}
	slices.Sort(indexes)
	for _, i := range indexes {
		p.proposals[i].done(nil, err)
	}
	ids := make([]uint64, 0, len(p.reads))
	for id := range p.reads {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for _, id := range ids {
		p.reads[id].done(err)
	}
	for _, r := range p.ready {
		r.done(err)
	}
	*p = pending{nextRead: p.nextRead}
}
