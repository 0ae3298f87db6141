package swim

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func startPool(t *testing.T, seed uint64, n int, tweak func(*Config)) *harness {
	h := newHarness(t, seed)
	for i := range n {
		h.add(nodeName(i), tweak)
	}
	h.joinAll()
	took, ok := h.runUntil(time.Minute, 100*time.Millisecond, h.converged)
	require.True(t, ok, "pool of %d did not converge", n)
	t.Logf("pool of %d converged in %v", n, took)
	return h
}

func TestPoolConvergesAfterJoin(t *testing.T) {
	h := startPool(t, 1, 20, nil)
	for _, addr := range h.order {
		require.Len(t, h.members[addr].m.Members(), 20)
	}
}

func TestCrashedMemberIsDeclaredFailedByEveryone(t *testing.T) {
	h := startPool(t, 2, 10, nil)
	victim := h.members[h.order[3]].m
	h.crash(victim)
	_, ok := h.runUntil(time.Minute, 100*time.Millisecond, func() bool {
		return h.everyoneSees(victim.Name(), StateDead)
	})
	require.True(t, ok)
}

func TestLeftMemberIsRecordedAsLeftNotFailed(t *testing.T) {
	h := startPool(t, 3, 10, nil)
	leaver := h.members[h.order[4]].m
	h.call(leaver, func() { leaver.Leave(h.now) })
	h.run(2 * time.Second)
	h.crash(leaver)
	_, ok := h.runUntil(time.Minute, 100*time.Millisecond, func() bool {
		return h.everyoneSees(leaver.Name(), StateLeft)
	})
	require.True(t, ok)
	h.run(10 * time.Second)
	require.True(t, h.everyoneSees(leaver.Name(), StateLeft), "left must not turn into failed")
}

func TestSuspectedMemberRefutesWithHigherIncarnation(t *testing.T) {
	h := startPool(t, 4, 5, nil)
	a, b := h.members[h.order[0]].m, h.members[h.order[1]].m
	before := b.Incarnation()
	h.call(a, func() {
		a.suspectNode(suspect{Incarnation: before, Node: b.Name(), From: a.Name()})
	})
	_, ok := h.runUntil(10*time.Second, 50*time.Millisecond, func() bool {
		return b.Incarnation() > before && h.everyoneSees(b.Name(), StateAlive)
	})
	require.True(t, ok)
	n, _ := a.Node(b.Name())
	require.Greater(t, n.Incarnation, before)
}

func TestRestartedMemberRejoinsWithHigherIncarnation(t *testing.T) {
	h := startPool(t, 5, 8, nil)
	victim := h.members[h.order[2]].m
	h.crash(victim)
	_, ok := h.runUntil(time.Minute, 100*time.Millisecond, func() bool {
		return h.everyoneSees(victim.Name(), StateDead)
	})
	require.True(t, ok)
	old, _ := h.members[h.order[0]].m.Node(victim.Name())
	delete(h.members, victim.cfg.Addr)
	h.order = append(h.order[:2], h.order[3:]...)
	fresh := h.add(victim.Name(), nil)
	h.call(fresh, func() { fresh.Join(h.now, []string{h.order[0]}) })
	_, ok = h.runUntil(time.Minute, 100*time.Millisecond, h.converged)
	require.True(t, ok)
	require.Greater(t, fresh.Incarnation(), old.Incarnation)
}

func TestSameNameFromTwoAddressesIsReportedNotMerged(t *testing.T) {
	h := startPool(t, 6, 5, nil)
	impostor := h.add("impostor", func(c *Config) { c.Name = nodeName(1) })
	h.call(impostor, func() { impostor.Join(h.now, []string{h.order[0]}) })
	h.run(5 * time.Second)
	observer := h.members[h.order[0]].m
	n, ok := observer.Node(nodeName(1))
	require.True(t, ok)
	require.Equal(t, nodeName(1)+":7946", n.Addr, "the claim must not be merged")
	conflicts := 0
	for _, e := range h.events {
		if e.Kind == EventConflict && e.Node.Name == nodeName(1) && e.ConflictAddr == "impostor:7946" {
			conflicts++
		}
	}
	require.Positive(t, conflicts)
}

func TestUserEventIsDeliveredOnceToEveryMember(t *testing.T) {
	h := startPool(t, 7, 12, nil)
	src := h.members[h.order[5]].m
	h.call(src, func() { require.NoError(t, src.UserEvent(h.now, "deploy", []byte("v2"))) })
	h.run(5 * time.Second)
	for _, addr := range h.order {
		got := h.userSeen[addr]
		require.Len(t, got, 1, addr)
		require.Equal(t, "deploy", got[0].Name)
		require.Equal(t, []byte("v2"), got[0].Payload)
	}
	require.ErrorIs(t, src.UserEvent(h.now, "big", make([]byte, MaxUserEventBytes)), ErrUserEventTooLarge)
}

func TestTagsUpdateSpreads(t *testing.T) {
	h := startPool(t, 8, 6, nil)
	m := h.members[h.order[2]].m
	h.call(m, func() { require.NoError(t, m.SetTags(h.now, Tags{"role": "server", "dc": "dc1"})) })
	h.run(3 * time.Second)
	for _, addr := range h.order {
		n, _ := h.members[addr].m.Node(m.Name())
		require.Equal(t, "server", n.Tags["role"])
	}
}

func TestReapForgetsFailedMembersAfterReconnectTimeout(t *testing.T) {
	h := startPool(t, 9, 5, func(c *Config) { c.ReconnectTimeout = 20 * time.Second })
	victim := h.members[h.order[1]].m
	h.crash(victim)
	_, ok := h.runUntil(2*time.Minute, time.Second, func() bool {
		_, known := h.members[h.order[0]].m.Node(victim.Name())
		return !known
	})
	require.True(t, ok)
}

func TestPartitionHealsIntoOnePool(t *testing.T) {
	h := startPool(t, 10, 10, nil)
	for _, a := range h.order[:5] {
		for _, b := range h.order[5:] {
			h.cut[[2]string{a, b}] = true
		}
	}
	_, ok := h.runUntil(2*time.Minute, time.Second, func() bool {
		return h.members[h.order[0]].m.NumAlive() == 5 && h.members[h.order[9]].m.NumAlive() == 5
	})
	require.True(t, ok, "the pool must split")
	h.cut = map[[2]string]bool{}
	took, ok := h.runUntil(3*time.Minute, time.Second, h.converged)
	require.True(t, ok, "the pool must merge")
	t.Logf("merged %v after healing", took)
}

func TestEncryptedPoolRefusesPlaintextMember(t *testing.T) {
	key := make([]byte, 32)
	withKey := func(c *Config) {
		kr, err := NewKeyring(key)
		require.NoError(t, err)
		c.Keyring = kr
		c.Entropy = rand.NewChaCha8([32]byte{byte(len(c.Name))})
	}
	h := startPool(t, 11, 4, withKey)
	plain := h.add("plain", nil)
	h.call(plain, func() { plain.Join(h.now, []string{h.order[0]}) })
	h.run(10 * time.Second)
	require.Len(t, plain.Members(), 1)
	_, known := h.members[h.order[0]].m.Node("plain")
	require.False(t, known)
	require.Positive(t, h.members[h.order[0]].m.Stats().DecryptFailures)
}
