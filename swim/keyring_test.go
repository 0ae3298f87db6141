package swim

import (
	"bytes"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func key(b byte, n int) []byte { return bytes.Repeat([]byte{b}, n) }

func TestParseKeyAcceptsOnlyAESSizes(t *testing.T) {
	for _, n := range []int{16, 24, 32} {
		k, err := ParseKey(EncodeKey(key(1, n)))
		require.NoError(t, err)
		require.Len(t, k, n)
	}
	_, err := ParseKey(EncodeKey(key(1, 20)))
	require.ErrorIs(t, err, ErrKeySize)
	_, err = ParseKey("not base64!")
	require.ErrorIs(t, err, ErrKeyEncoding)
}

func TestKeyringRotationKeepsOldTrafficReadable(t *testing.T) {
	entropy := rand.NewChaCha8([32]byte{})
	oldKey, newKey := key(1, 32), key(2, 32)
	sender, err := NewKeyring(oldKey)
	require.NoError(t, err)
	receiver, err := NewKeyring(oldKey)
	require.NoError(t, err)

	require.NoError(t, receiver.Install(newKey))
	require.NoError(t, sender.Install(newKey))
	require.NoError(t, sender.Use(newKey))
	sealed, err := sender.Seal(entropy, []byte("hello"))
	require.NoError(t, err)
	plain, err := receiver.Open(sealed)
	require.NoError(t, err)
	require.Equal(t, []byte("hello"), plain)

	require.ErrorIs(t, sender.Remove(newKey), ErrRemovePrimary)
	require.NoError(t, sender.Remove(oldKey))
	require.ErrorIs(t, sender.Remove(oldKey), ErrKeyNotInstalled)
	require.ErrorIs(t, sender.Use(oldKey), ErrKeyNotInstalled)
	require.Equal(t, [][]byte{newKey}, sender.List())
}

func TestOpenRejectsUnknownKeyAndTampering(t *testing.T) {
	entropy := rand.NewChaCha8([32]byte{})
	a, _ := NewKeyring(key(1, 16))
	b, _ := NewKeyring(key(2, 16))
	sealed, err := a.Seal(entropy, []byte("payload"))
	require.NoError(t, err)
	_, err = b.Open(sealed)
	require.ErrorIs(t, err, ErrDecrypt)
	sealed[len(sealed)-1] ^= 1
	_, err = a.Open(sealed)
	require.ErrorIs(t, err, ErrDecrypt)
	_, err = a.Open([]byte{wireVersion, 1, 2})
	require.ErrorIs(t, err, ErrDecrypt)
}

func TestKeyringFileRoundTripsWithPrimaryFirst(t *testing.T) {
	kr, _ := NewKeyring(key(1, 32), key(2, 16))
	require.NoError(t, kr.Use(key(2, 16)))
	b, err := kr.MarshalBinary()
	require.NoError(t, err)
	got, err := UnmarshalKeyring(b)
	require.NoError(t, err)
	require.Equal(t, kr.List(), got.List())
	require.Equal(t, key(2, 16), got.Primary())
}

func TestKeyErrorsCarryNoKeyMaterial(t *testing.T) {
	secret := EncodeKey(key(9, 20))
	_, err := ParseKey(secret)
	require.Error(t, err)
	require.NotContains(t, err.Error(), secret)
	_, err = UnmarshalKeyring([]byte(`{"version":1,"keys":["` + secret + `"]}`))
	require.Error(t, err)
	require.False(t, strings.Contains(err.Error(), secret))
}
