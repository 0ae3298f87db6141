package swim

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"
)

// joinWith starts a pool of three sharing key(1, 32), then a newcomer
// configured by tweak that tries to join, and returns the newcomer and
// the logs of the newcomer and of the member it asked.
func joinWith(t *testing.T, seed uint64, tweak func(*Config)) (*Member, *observer.ObservedLogs, *observer.ObservedLogs) {
	withKey := func(c *Config) {
		kr, err := NewKeyring(key(1, 32))
		require.NoError(t, err)
		c.Keyring, c.Entropy = kr, rand.NewChaCha8([32]byte{byte(len(c.Name)), c.Name[len(c.Name)-1]})
	}
	h := startPool(t, seed, 3, withKey)
	poolCore, poolLogs := observer.New(zap.WarnLevel)
	h.members[h.order[0]].m.log = zap.New(poolCore)
	newCore, newLogs := observer.New(zap.WarnLevel)
	stranger := h.add("stranger", func(c *Config) {
		c.Logger = zap.New(newCore)
		if tweak != nil {
			tweak(c)
		}
	})
	h.call(stranger, func() { stranger.Join(h.now, []string{h.order[0]}) })
	h.run(5 * time.Second)
	require.Len(t, stranger.Members(), 1, "the stranger is refused")
	_, known := h.members[h.order[0]].m.Node("stranger")
	require.False(t, known)
	require.Positive(t, stranger.Stats().Refusals)
	return stranger, newLogs, poolLogs
}

// requireLogged checks that a log entry gives reason, and that no entry
// holds the key in any form.
func requireLogged(t *testing.T, logs *observer.ObservedLogs, reason refusalReason, secrets ...[]byte) {
	t.Helper()
	found := false
	for _, e := range logs.All() {
		for k, v := range e.ContextMap() {
			s, _ := v.(string)
			if k == "reason" && s == reason.String() {
				found = true
			}
			for _, secret := range secrets {
				require.NotContains(t, s, EncodeKey(secret))
				require.NotContains(t, s, string(secret))
			}
		}
	}
	require.True(t, found, "no log entry says %q", reason)
}

func TestANodeWithAnotherKeyIsRefusedAndBothLogsSayWhyWithoutTheKey(t *testing.T) {
	wrong := key(9, 32)
	_, newLogs, poolLogs := joinWith(t, 41, func(c *Config) {
		kr, err := NewKeyring(wrong)
		require.NoError(t, err)
		c.Keyring, c.Entropy = kr, rand.NewChaCha8([32]byte{9})
	})
	requireLogged(t, newLogs, refusedWrongKey, wrong, key(1, 32))
	requireLogged(t, poolLogs, refusedWrongKey, wrong, key(1, 32))
}

func TestANodeWithoutAKeyIsToldThePoolEncrypts(t *testing.T) {
	_, newLogs, _ := joinWith(t, 42, nil)
	requireLogged(t, newLogs, refusedPlaintext, key(1, 32))
}

func TestAnEncryptingNodeIsToldAPlaintextPoolDoesNotEncrypt(t *testing.T) {
	h := startPool(t, 43, 2, nil)
	core, logs := observer.New(zap.WarnLevel)
	m := h.add("sealed", func(c *Config) {
		kr, err := NewKeyring(key(4, 16))
		require.NoError(t, err)
		c.Keyring, c.Entropy, c.Logger = kr, rand.NewChaCha8([32]byte{4}), zap.New(core)
	})
	h.call(m, func() { m.Join(h.now, []string{h.order[0]}) })
	h.run(5 * time.Second)
	require.Len(t, m.Members(), 1)
	requireLogged(t, logs, refusedEncrypted, key(4, 16))
}
