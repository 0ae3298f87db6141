package swim

import (
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// encryptedPool starts n members that share key(1, 32).
func encryptedPool(t *testing.T, seed uint64, n int) *harness {
	withKey := func(c *Config) {
		kr, err := NewKeyring(key(1, 32))
		require.NoError(t, err)
		c.Keyring = kr
		c.Entropy = rand.NewChaCha8([32]byte{byte(len(c.Name)), c.Name[len(c.Name)-1]})
	}
	return startPool(t, seed, n, withKey)
}

// keyQuery runs a query from origin and waits for its result.
func (h *harness) keyQuery(origin *Member, op KeyOp, k []byte, timeout time.Duration, relay int) KeyQueryResult {
	var id uint32
	h.call(origin, func() {
		var err error
		id, err = origin.KeyQuery(h.now, op, k, timeout, relay)
		require.NoError(h.t, err)
	})
	var res *KeyQueryResult
	_, ok := h.runUntil(time.Minute, 10*time.Millisecond, func() bool {
		for i := range h.keyResults {
			if h.keyResults[i].ID == id {
				res = &h.keyResults[i]
				return true
			}
		}
		return false
	})
	require.True(h.t, ok, "the query never finished")
	require.Equal(h.t, op, res.Op)
	return *res
}

func requireAllOK(t *testing.T, res KeyQueryResult, n int) {
	t.Helper()
	require.Empty(t, res.Missing)
	require.Len(t, res.Answers, n)
	for _, a := range res.Answers {
		require.Empty(t, a.Err, a.Node)
	}
}

func TestKeyQueriesRotateTheKeyOnEveryMember(t *testing.T) {
	h := encryptedPool(t, 31, 5)
	origin := h.members[h.order[2]].m
	oldKey, newKey := key(1, 32), key(2, 32)

	requireAllOK(t, h.keyQuery(origin, KeyInstall, newKey, 0, 0), 5)
	requireAllOK(t, h.keyQuery(origin, KeyUse, newKey, 0, 0), 5)
	requireAllOK(t, h.keyQuery(origin, KeyRemove, oldKey, 0, 0), 5)
	list := h.keyQuery(origin, KeyList, nil, 0, 0)
	requireAllOK(t, list, 5)
	for i, a := range list.Answers {
		require.Equal(t, nodeName(i), a.Node, "answers are sorted by node")
		require.Equal(t, [][]byte{newKey}, a.Keys, a.Node)
	}
	for _, addr := range h.order {
		require.Equal(t, newKey, h.members[addr].m.cfg.Keyring.Primary())
	}
	h.run(10 * time.Second)
	require.True(t, h.converged(), "the pool still talks on the new key")
}

func TestKeyQueryReportsPerNodeErrorsWithoutKeyMaterial(t *testing.T) {
	h := encryptedPool(t, 32, 4)
	origin := h.members[h.order[0]].m
	stranger := key(9, 16)

	res := h.keyQuery(origin, KeyUse, stranger, 0, 0)
	require.Empty(t, res.Missing)
	require.Len(t, res.Answers, 4)
	for _, a := range res.Answers {
		require.Equal(t, ErrKeyNotInstalled.Error(), a.Err, a.Node)
		require.NotContains(t, a.Err, EncodeKey(stranger))
	}

	res = h.keyQuery(origin, KeyRemove, key(1, 32), 0, 0)
	for _, a := range res.Answers {
		require.Equal(t, ErrRemovePrimary.Error(), a.Err, a.Node)
		require.False(t, strings.Contains(a.Err, EncodeKey(key(1, 32))))
	}
	for _, addr := range h.order {
		require.Len(t, h.members[addr].m.cfg.Keyring.List(), 1, "the primary stays")
	}
}

func TestKeyQueryReportsACrashedMemberAsMissingAtTheDeadline(t *testing.T) {
	h := encryptedPool(t, 33, 5)
	origin := h.members[h.order[0]].m
	gone := h.members[h.order[3]].m
	h.crash(gone)

	started := h.now
	res := h.keyQuery(origin, KeyInstall, key(2, 16), 2*time.Second, 0)
	require.GreaterOrEqual(t, h.now-started, 2*time.Second, "the origin waits for the deadline")
	require.Equal(t, []string{gone.Name()}, res.Missing)
	require.Len(t, res.Answers, 4)
	require.Len(t, gone.cfg.Keyring.List(), 1, "the crashed member never heard the query")
}

func TestKeyAnswersReachTheOriginThroughRelaysWhenTheDirectPathIsCut(t *testing.T) {
	h := encryptedPool(t, 34, 6)
	origin, far := h.order[0], h.order[5]
	h.cut[[2]string{origin, far}] = true

	res := h.keyQuery(h.members[origin].m, KeyList, nil, 5*time.Second, 3)
	require.Empty(t, res.Missing, "the relays carried the answer of the member the origin cannot reach")
	require.Len(t, res.Answers, 6)
}

func TestKeyQueryIsRefusedWithoutEncryptionOrWithABadKey(t *testing.T) {
	h := startPool(t, 35, 2, nil)
	m := h.members[h.order[0]].m
	_, err := m.KeyQuery(h.now, KeyList, nil, 0, 0)
	require.ErrorIs(t, err, ErrNoKeyring)

	h = encryptedPool(t, 36, 2)
	m = h.members[h.order[0]].m
	_, err = m.KeyQuery(h.now, KeyInstall, []byte("short"), 0, 0)
	require.ErrorIs(t, err, ErrKeySize)
	_, err = m.KeyQuery(h.now, KeyOp(99), nil, 0, 0)
	require.ErrorIs(t, err, ErrKeyOp)
	_, err = m.KeyQuery(h.now, KeyList, nil, 0, MaxRelayFactor+1)
	require.ErrorIs(t, err, ErrRelayFactor)
}

func TestKeyQueryMarksTheKeyringChangedOnlyForChanges(t *testing.T) {
	h := encryptedPool(t, 37, 1)
	m := h.members[h.order[0]].m
	_, err := m.KeyQuery(h.now, KeyList, nil, 0, 0)
	require.NoError(t, err)
	r := m.Ready()
	require.False(t, r.KeyringChanged)
	require.Len(t, r.KeyQueries, 1, "a pool of one answers at once")

	_, err = m.KeyQuery(h.now, KeyInstall, key(3, 24), 0, 0)
	require.NoError(t, err)
	require.True(t, m.Ready().KeyringChanged)
}
