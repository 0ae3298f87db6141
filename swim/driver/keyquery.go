package driver

import (
	"slices"
	"time"

	"github.com/cairn-sd/cairn/swim"
	"go.uber.org/zap"
)

// KeyringAnswer is one member's answer to a keyring query.
type KeyringAnswer struct {
	// Node is the member's name.
	Node string
	// Err is empty on success, else why the operation failed there.
	Err string
	// Keys are the member's keys in base64, primary first (list only).
	Keys []string
}

// KeyringResult is what a keyring query collected from the pool.
type KeyringResult struct {
	// Op is the operation that ran.
	Op swim.KeyOp
	// Answers holds one answer per member that answered, sorted by node.
	Answers []KeyringAnswer
	// Missing names the members that did not answer by the deadline.
	Missing []string
}

// NumNodes is the number of members the query counted: those that answered
// and those that stayed silent.
func (r KeyringResult) NumNodes() int { return len(r.Answers) + len(r.Missing) }

// Failed reports the number of members that answered with an error or did
// not answer.
func (r KeyringResult) Failed() int {
	n := len(r.Missing)
	for _, a := range r.Answers {
		if a.Err != "" {
			n++
		}
	}
	return n
}

// KeyringQuery runs a keyring operation on every member of the pool through
// gossip (see swim.Member.KeyQuery) and calls done once with what the
// members answered. key is the base64 key, empty for swim.KeyList. timeout
// zero means the member's default; relayFactor is how many other members
// each answer also travels through. done runs on the node's loop.
func (n *Node) KeyringQuery(op swim.KeyOp, key string, timeout time.Duration, relayFactor int,
	done func(KeyringResult, error)) {
	if n.stopped {
		done(KeyringResult{}, ErrStopped)
		return
	}
	var raw []byte
	if op != swim.KeyList {
		k, err := swim.ParseKey(key)
		if err != nil {
			done(KeyringResult{}, err)
			return
		}
		raw = k
	}
	id, err := n.member.KeyQuery(n.now(), op, raw, timeout, relayFactor)
	if err != nil {
		done(KeyringResult{}, err)
		return
	}
	if n.keyQueries == nil {
		n.keyQueries = make(map[uint32]func(KeyringResult, error))
	}
	n.keyQueries[id] = done
	n.pump()
}

// persistKeyring saves a keyring that a query changed, before the answers
// that report the change leave the node.
func (n *Node) persistKeyring() {
	if err := n.saveKeyring(); err != nil {
		n.log.Error("swim/driver: persist keyring after a keyring query", zap.Error(err))
	}
}

// deliverKeyQueries hands finished queries to their callers.
func (n *Node) deliverKeyQueries(results []swim.KeyQueryResult) {
	for _, r := range results {
		done, ok := n.keyQueries[r.ID]
		if !ok {
			continue
		}
		delete(n.keyQueries, r.ID)
		out := KeyringResult{Op: r.Op, Missing: r.Missing}
		for _, a := range r.Answers {
			ans := KeyringAnswer{Node: a.Node, Err: a.Err}
			for _, k := range a.Keys {
				ans.Keys = append(ans.Keys, swim.EncodeKey(k))
			}
			out.Answers = append(out.Answers, ans)
		}
		done(out, nil)
	}
}

// failKeyQueries ends every pending query with err, when the node stops.
func (n *Node) failKeyQueries(err error) {
	pending := n.keyQueries
	n.keyQueries = nil
	ids := make([]uint32, 0, len(pending))
	for id := range pending {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for _, id := range ids {
		pending[id](KeyringResult{}, err)
	}
}
