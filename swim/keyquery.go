package swim

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.uber.org/zap"
)

// Keyring queries rotate the gossip key across a pool, as Serf's keyring
// queries do for Consul. One member (the origin) broadcasts a query that
// names a keyring operation; the query spreads like a user event, piggybacked
// on the protocol's packets and de-duplicated with a Lamport clock of its
// own; every member applies the operation to its own keyring and sends its
// answer straight back to the origin in a packet (and, with a relay factor,
// through a few random members as well, in case the direct path is lossy).
// The origin collects answers until every member it believed alive when it
// started has answered, or until the query's deadline, and then reports the
// answers and the members that stayed silent.
//
// The rotation an operator runs is install the new key everywhere, use it
// everywhere, then remove the old one. Each step keeps the pool talking:
// until a member uses the new key it still seals with the old one, which
// every member can still open.
//
// The answers of a list query carry key material, as Consul's do; they only
// ever travel inside sealed packets. Errors carry the text of this package's
// keyring errors, which never hold a key.

// KeyOp is the keyring operation a query runs on every member.
type KeyOp uint8

const (
	// KeyList asks every member for its installed keys.
	KeyList KeyOp = iota + 1
	// KeyInstall adds a key for decryption everywhere.
	KeyInstall
	// KeyUse makes an installed key the primary everywhere.
	KeyUse
	// KeyRemove removes a key that is not the primary everywhere.
	KeyRemove
)

// String names the operation as logs and the CLI print it.
func (o KeyOp) String() string {
	switch o {
	case KeyList:
		return "list"
	case KeyInstall:
		return "install"
	case KeyUse:
		return "use"
	case KeyRemove:
		return "remove"
	}
	return "unknown"
}

// MaxRelayFactor bounds the relay factor of a query, as Consul's limit.
const MaxRelayFactor = 5

// queryTimeoutMult sets the default query timeout, Serf's formula:
// GossipInterval · queryTimeoutMult · ceil(log10(n+1)).
const queryTimeoutMult = 16

// maxAnswerKeys bounds the keys a decoded list answer may carry.
const maxAnswerKeys = 64

// Keyring query errors, returned by KeyQuery to the origin.
var (
	// ErrNoKeyring refuses a keyring operation on a member without
	// encryption.
	ErrNoKeyring = errors.New("swim: encryption is not enabled")
	// ErrKeyOp rejects an unknown keyring operation.
	ErrKeyOp = errors.New("swim: unknown keyring operation")
	// ErrRelayFactor rejects a relay factor above MaxRelayFactor.
	ErrRelayFactor = errors.New("swim: relay factor too large")
)

// KeyAnswer is one member's answer to a keyring query.
type KeyAnswer struct {
	// Node is the answering member's name.
	Node string
	// Err is empty on success, else the reason the operation failed
	// there. It never holds key material.
	Err string
	// Keys are the member's installed keys, primary first; only list
	// queries fill it.
	Keys [][]byte
}

// KeyQueryResult is what the origin collected for one keyring query.
type KeyQueryResult struct {
	// ID is the value KeyQuery returned.
	ID uint32
	// Op is the operation the query ran.
	Op KeyOp
	// Answers holds one answer per member that answered, the origin's
	// own included, sorted by node name.
	Answers []KeyAnswer
	// Missing names the members the origin believed alive when the query
	// started that had not answered by its deadline, sorted.
	Missing []string
}

// keyQueries is a member's share of the query mechanism: the Lamport clock
// and recent-query buffer, and the queries it started and still collects
// answers for, oldest first.
type keyQueries struct {
	log     eventLog
	pending []*pendingKeyQuery
}

// pendingKeyQuery is a query this member started.
type pendingKeyQuery struct {
	id       uint32
	op       KeyOp
	deadline time.Duration
	// expect names the members alive at the start, sorted.
	expect  []string
	answers []KeyAnswer
}

// DefaultKeyQueryTimeout is the deadline a query gets when KeyQuery is
// given none: GossipInterval · 16 · ceil(log10(n+1)) for n members.
func (m *Member) DefaultKeyQueryTimeout() time.Duration {
	return time.Duration(retransmitLimit(queryTimeoutMult, len(m.nodes))) * m.cfg.GossipInterval
}

// KeyQuery starts a keyring query: op runs on the local keyring at once and
// on every other member as the query reaches it. key is the raw key (nil for
// KeyList). timeout bounds the wait for answers; zero means
// DefaultKeyQueryTimeout. Each member also sends its answer through
// relayFactor random members. The result arrives in Ready.KeyQueries under
// the returned ID.
func (m *Member) KeyQuery(now time.Duration, op KeyOp, key []byte, timeout time.Duration, relayFactor int) (uint32, error) {
	m.advance(now)
	if err := checkKeyQuery(op, key); err != nil {
		return 0, err
	}
	if m.cfg.Keyring == nil {
		return 0, ErrNoKeyring
	}
	if relayFactor < 0 || relayFactor > MaxRelayFactor {
		return 0, fmt.Errorf("%w: %d, limit %d", ErrRelayFactor, relayFactor, MaxRelayFactor)
	}
	if timeout <= 0 {
		timeout = m.DefaultKeyQueryTimeout()
	}
	q := keyQuery{ID: m.freshQueryID(), LTime: m.queries.log.clock, Origin: m.cfg.Name, OriginAddr: m.cfg.Addr,
		RelayFactor: uint8(relayFactor), Op: op, Key: slices.Clone(key)}
	m.queries.log.witness(q.LTime)
	m.queries.log.note(q.LTime, q.dedupID())
	p := &pendingKeyQuery{id: q.ID, op: op, deadline: m.now + timeout}
	for _, n := range m.nodes {
		if n.state <= StateSuspect {
			p.expect = append(p.expect, n.name.Value())
		}
	}
	slices.Sort(p.expect)
	m.queries.pending = append(m.queries.pending, p)
	m.log.Info("swim: keyring query started", zap.Stringer("op", op), zap.Uint32("id", q.ID),
		zap.Int("members", len(p.expect)), zap.Duration("timeout", timeout))
	m.broadcasts.queueEvent(q.broadcastKey(), message{keyQuery: &q})
	m.collect(p, m.applyKeyOp(op, key))
	return q.ID, nil
}

// checkKeyQuery validates an operation and its key before anything is sent.
func checkKeyQuery(op KeyOp, key []byte) error {
	switch op {
	case KeyList:
		return nil
	case KeyInstall, KeyUse, KeyRemove:
		return checkKey(key)
	}
	return fmt.Errorf("%w: %d", ErrKeyOp, op)
}

// freshQueryID draws an ID no pending query holds. IDs are random rather
// than counted so that a restarted origin does not reuse the IDs its
// earlier queries still hold in the other members' buffers.
func (m *Member) freshQueryID() uint32 {
	for {
		id := m.rnd.Uint32()
		if id != 0 && m.pendingQuery(id) == nil {
			return id
		}
	}
}

func (m *Member) pendingQuery(id uint32) *pendingKeyQuery {
	for _, p := range m.queries.pending {
		if p.id == id {
			return p
		}
	}
	return nil
}

// applyKeyOp runs op on the local keyring and returns the local answer.
func (m *Member) applyKeyOp(op KeyOp, key []byte) KeyAnswer {
	a := KeyAnswer{Node: m.cfg.Name}
	kr := m.cfg.Keyring
	if kr == nil {
		a.Err = ErrNoKeyring.Error()
		return a
	}
	var err error
	switch op {
	case KeyList:
		a.Keys = kr.List()
	case KeyInstall:
		err = kr.Install(key)
	case KeyUse:
		err = kr.Use(key)
	case KeyRemove:
		err = kr.Remove(key)
	default:
		err = fmt.Errorf("%w: %d", ErrKeyOp, op)
	}
	if err != nil {
		a.Err = err.Error()
		m.log.Warn("swim: keyring operation failed", zap.Stringer("op", op), zap.Error(err))
		return a
	}
	if op != KeyList {
		m.ready.KeyringChanged = true
		m.log.Info("swim: keyring changed", zap.Stringer("op", op))
	}
	return a
}

// handleKeyQuery runs a query heard from the pool once, passes it on, and
// answers the origin.
func (m *Member) handleKeyQuery(q keyQuery) {
	m.queries.log.witness(q.LTime)
	if !m.queries.log.note(q.LTime, q.dedupID()) {
		return
	}
	m.broadcasts.queueEvent(q.broadcastKey(), message{keyQuery: &q})
	a := m.applyKeyOp(q.Op, q.Key)
	answer := keyAnswer{ID: q.ID, Node: a.Node, Err: a.Err, Keys: a.Keys}
	m.sendAlone(q.OriginAddr, message{keyAnswer: &answer})
	relays := m.randomNodes(int(q.RelayFactor), func(n *nodeState) bool {
		return n.state == StateAlive && n.name.Value() != q.Origin
	})
	for _, r := range relays {
		relayed := answer
		relayed.RelayTo = q.OriginAddr
		m.sendAlone(r.addr.Value(), message{keyAnswer: &relayed})
	}
}

// sendAlone sends one message in a packet of its own. Answers do not carry
// gossip: a burst of them would spend the few transmissions a broadcast gets
// in a small pool on the origin and the relays, which already heard the
// query, and starve the members still waiting for it.
func (m *Member) sendAlone(to string, msg message) {
	m.sendPacket(to, encodePacket([][]byte{frameOf(msg)}))
}

// handleKeyAnswer takes an answer to a query this member started, or passes
// a relayed answer on to its origin.
func (m *Member) handleKeyAnswer(a keyAnswer) {
	if a.RelayTo != "" {
		direct := a
		direct.RelayTo = ""
		m.sendAlone(a.RelayTo, message{keyAnswer: &direct})
		return
	}
	p := m.pendingQuery(a.ID)
	if p == nil {
		return
	}
	m.collect(p, KeyAnswer{Node: a.Node, Err: a.Err, Keys: a.Keys})
}

// collect records an answer, ignoring a second one from the same member,
// and finishes the query once every expected member has answered.
func (m *Member) collect(p *pendingKeyQuery, a KeyAnswer) {
	if slices.ContainsFunc(p.answers, func(x KeyAnswer) bool { return x.Node == a.Node }) {
		return
	}
	p.answers = append(p.answers, a)
	for _, name := range p.expect {
		if !p.answered(name) {
			return
		}
	}
	m.finishKeyQuery(p)
}

func (p *pendingKeyQuery) answered(name string) bool {
	return slices.ContainsFunc(p.answers, func(x KeyAnswer) bool { return x.Node == name })
}

// finishKeyQuery reports a query's result and forgets it.
func (m *Member) finishKeyQuery(p *pendingKeyQuery) {
	res := KeyQueryResult{ID: p.id, Op: p.op, Answers: p.answers}
	slices.SortFunc(res.Answers, func(a, b KeyAnswer) int { return strings.Compare(a.Node, b.Node) })
	for _, name := range p.expect {
		if !p.answered(name) {
			res.Missing = append(res.Missing, name)
		}
	}
	m.queries.pending = slices.DeleteFunc(m.queries.pending, func(x *pendingKeyQuery) bool { return x == p })
	m.ready.KeyQueries = append(m.ready.KeyQueries, res)
	m.log.Info("swim: keyring query done", zap.Stringer("op", p.op), zap.Uint32("id", p.id),
		zap.Int("answers", len(res.Answers)), zap.Int("missing", len(res.Missing)))
}

// tickKeyQueries finishes the queries whose deadline passed.
func (m *Member) tickKeyQueries() {
	for _, p := range slices.Clone(m.queries.pending) {
		if m.now >= p.deadline {
			m.finishKeyQuery(p)
		}
	}
}

// nextKeyQueryDeadline folds the pending queries' deadlines into d.
func (m *Member) nextKeyQueryDeadline(d time.Duration) time.Duration {
	for _, p := range m.queries.pending {
		d = min(d, p.deadline)
	}
	return d
}

// dedupID identifies a query in the recent-query buffer.
func (q *keyQuery) dedupID() string {
	return q.Origin + "\x00" + strconv.FormatUint(uint64(q.ID), 10)
}

// broadcastKey identifies a query in the broadcast queue.
func (q *keyQuery) broadcastKey() string {
	return "q/" + strconv.FormatUint(q.LTime, 10) + "/" + q.dedupID()
}
