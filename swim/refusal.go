package swim

import "go.uber.org/zap"

// A member that cannot read a stream request (a join or a push-pull from a
// node with another gossip key, without a key, or with one where the pool
// has none) answers with a refusal instead of closing the stream in
// silence, so that the node that asked can say in its log why it cannot
// join. The refusal travels in plaintext, since the two sides share no key;
// it carries only a reason code, never key material, and an attacker who
// forges one achieves no more than a misleading log line on the asker.

// refusalReason says why a member refused a stream.
type refusalReason uint8

const (
	// refusedWrongKey: the request was sealed, but no installed key opens
	// it.
	refusedWrongKey refusalReason = iota + 1
	// refusedPlaintext: the pool encrypts, the request was plaintext.
	refusedPlaintext
	// refusedEncrypted: the request was sealed, the refusing member has no
	// keyring.
	refusedEncrypted
)

// String explains the reason to the operator of the refused node.
func (r refusalReason) String() string {
	switch r {
	case refusedWrongKey:
		return "the pool could not decrypt this node's messages: their gossip keys differ " +
			"(check the encrypt setting, or the keyring file in the data directory)"
	case refusedPlaintext:
		return "the pool encrypts its gossip and this node has no gossip key (set encrypt)"
	case refusedEncrypted:
		return "the pool does not encrypt its gossip and this node does (remove encrypt and the keyring file)"
	}
	return "unknown reason"
}

// refusal is the plaintext answer to a stream request that could not be
// read.
type refusal struct {
	Reason refusalReason
}

// refusalFor classifies a stream request this member could not open, or
// returns 0 if the failure was not about keys (a malformed message).
func (m *Member) refusalFor(payload []byte) refusalReason {
	sealed := len(payload) > 0 && payload[0] == encryptionVersion
	switch {
	case m.cfg.Keyring == nil && sealed:
		return refusedEncrypted
	case m.cfg.Keyring != nil && sealed:
		return refusedWrongKey
	case m.cfg.Keyring != nil:
		return refusedPlaintext
	}
	return 0
}

// refuse logs why the request from addr is refused and returns the
// plaintext refusal to send back.
func (m *Member) refuse(from string, why refusalReason) []byte {
	m.log.Warn("swim: refused a stream from another node: gossip encryption does not match",
		zap.String("from", from), zap.String("reason", why.String()))
	return encodeStream(message{refusal: &refusal{Reason: why}})
}

// refusedBy reports whether payload, the reply of the member at addr, is a
// refusal, and logs why if so.
func (m *Member) refusedBy(addr string, payload []byte) bool {
	if len(payload) == 0 || payload[0] != wireVersion {
		return false
	}
	msg, err := decodeStream(payload)
	if err != nil || msg.refusal == nil {
		return false
	}
	m.stats.Refusals++
	m.log.Error("swim: refused by a pool member", zap.String("member", addr),
		zap.String("reason", msg.refusal.Reason.String()))
	return true
}
