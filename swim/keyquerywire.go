package swim

// keyQueryVersion opens the body of both keyring query frames, so that their
// layout can change without a new packet version.
const keyQueryVersion = 1

// keyQuery is the broadcast that runs a keyring operation on every member.
// The origin collects answers at OriginAddr until its own deadline; members
// pass each answer through RelayFactor random members as well. Key is empty
// for KeyList. The deadline itself does not travel: a member answers as
// soon as it applies the operation, and an answer that arrives late is
// simply ignored by the origin.
type keyQuery struct {
	ID          uint32
	LTime       uint64
	Origin      string
	OriginAddr  string
	RelayFactor uint8
	Op          KeyOp
	Key         []byte
}

// keyAnswer is one member's answer to query ID. With RelayTo set, the
// receiver is a relay: it forwards the answer, without RelayTo, to that
// address.
type keyAnswer struct {
	ID      uint32
	Node    string
	Err     string
	Keys    [][]byte
	RelayTo string
}

func encodeKeyQuery(w *wireWriter, q *keyQuery) {
	w.byte1(keyQueryVersion)
	w.uvarint(uint64(q.ID))
	w.uvarint(q.LTime)
	w.str(q.Origin)
	w.str(q.OriginAddr)
	w.byte1(q.RelayFactor)
	w.byte1(byte(q.Op))
	w.bytes(q.Key)
}

func decodeKeyQuery(r *wireReader) *keyQuery {
	if r.byte1() != keyQueryVersion {
		r.fail()
		return nil
	}
	q := &keyQuery{ID: r.uint32v(), LTime: r.uvarint(), Origin: r.str(), OriginAddr: r.str()}
	q.RelayFactor, q.Op, q.Key = r.byte1(), KeyOp(r.byte1()), r.bytes()
	if q.RelayFactor > MaxRelayFactor || checkKeyQuery(q.Op, q.Key) != nil || (q.Op == KeyList && len(q.Key) != 0) {
		r.fail()
		return nil
	}
	return q
}

func encodeKeyAnswer(w *wireWriter, a *keyAnswer) {
	w.byte1(keyQueryVersion)
	w.uvarint(uint64(a.ID))
	w.str(a.Node)
	w.str(a.Err)
	w.uvarint(uint64(len(a.Keys)))
	for _, k := range a.Keys {
		w.bytes(k)
	}
	w.str(a.RelayTo)
}

func decodeKeyAnswer(r *wireReader) *keyAnswer {
	if r.byte1() != keyQueryVersion {
		r.fail()
		return nil
	}
	a := &keyAnswer{ID: r.uint32v(), Node: r.str(), Err: r.str()}
	n := r.count()
	if n > maxAnswerKeys {
		r.fail()
		return nil
	}
	for i := 0; i < n && r.err == nil; i++ {
		a.Keys = append(a.Keys, r.bytes())
	}
	a.RelayTo = r.str()
	return a
}
