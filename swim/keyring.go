package swim

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
)

// Keyring errors. None of them, nor any error of this package, carries key
// material.
var (
	// ErrKeySize rejects a key that is not 16, 24 or 32 bytes (AES-128,
	// AES-192, AES-256).
	ErrKeySize = errors.New("swim: key must be 16, 24 or 32 bytes")
	// ErrKeyEncoding rejects a key that is not valid base64.
	ErrKeyEncoding = errors.New("swim: key is not valid base64")
	// ErrKeyNotInstalled reports a key that is not in the keyring.
	ErrKeyNotInstalled = errors.New("swim: key not installed")
	// ErrRemovePrimary refuses to remove the key in use for sending.
	ErrRemovePrimary = errors.New("swim: cannot remove the primary key")
	// ErrNoKeys rejects an empty keyring.
	ErrNoKeys = errors.New("swim: keyring has no keys")
	// ErrKeyringFile reports a keyring file that cannot be parsed.
	ErrKeyringFile = errors.New("swim: bad keyring file")
)

// Keyring holds the gossip encryption keys. The primary key seals everything
// sent; every installed key is tried to open what arrives, which is what lets
// an operator rotate keys without a flag day: install the new key
// everywhere, make it primary everywhere, then remove the old one.
type Keyring struct {
	// keys[0] is the primary.
	keys  [][]byte
	aeads []cipher.AEAD
}

// ParseKey decodes a base64 key (the format of the `encrypt` setting and of
// `cairn keygen`) and checks its size.
func ParseKey(s string) ([]byte, error) {
	k, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		return nil, ErrKeyEncoding
	}
	if err := checkKey(k); err != nil {
		return nil, err
	}
	return k, nil
}

// EncodeKey returns the base64 form of a key.
func EncodeKey(k []byte) string { return base64.StdEncoding.EncodeToString(k) }

func checkKey(k []byte) error {
	switch len(k) {
	case 16, 24, 32:
		return nil
	}
	return fmt.Errorf("%w: got %d bytes", ErrKeySize, len(k))
}

// NewKeyring returns a keyring whose primary is primary, with the other keys
// installed.
func NewKeyring(primary []byte, others ...[]byte) (*Keyring, error) {
	kr := &Keyring{}
	if err := kr.Install(primary); err != nil {
		return nil, err
	}
	for _, k := range others {
		if err := kr.Install(k); err != nil {
			return nil, err
		}
	}
	return kr, nil
}

func (kr *Keyring) find(k []byte) int {
	return slices.IndexFunc(kr.keys, func(x []byte) bool { return bytes.Equal(x, k) })
}

// Install adds a key for decryption; installing a present key does nothing.
// The first key installed into an empty keyring becomes primary.
func (kr *Keyring) Install(k []byte) error {
	if err := checkKey(k); err != nil {
		return err
	}
	if kr.find(k) >= 0 {
		return nil
	}
	block, err := aes.NewCipher(k)
	if err != nil {
		return fmt.Errorf("swim: install key: %w", ErrKeySize)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return fmt.Errorf("swim: install key: %w", ErrKeySize)
	}
	kr.keys = append(kr.keys, bytes.Clone(k))
	kr.aeads = append(kr.aeads, aead)
	return nil
}

// Use makes an installed key the primary.
func (kr *Keyring) Use(k []byte) error {
	i := kr.find(k)
	if i < 0 {
		return ErrKeyNotInstalled
	}
	kr.keys[0], kr.keys[i] = kr.keys[i], kr.keys[0]
	kr.aeads[0], kr.aeads[i] = kr.aeads[i], kr.aeads[0]
	return nil
}

// Remove deletes a key that is not the primary.
func (kr *Keyring) Remove(k []byte) error {
	i := kr.find(k)
	switch {
	case i < 0:
		return ErrKeyNotInstalled
	case i == 0:
		return ErrRemovePrimary
	}
	kr.keys = slices.Delete(kr.keys, i, i+1)
	kr.aeads = slices.Delete(kr.aeads, i, i+1)
	return nil
}

// List returns copies of the installed keys, primary first.
func (kr *Keyring) List() [][]byte {
	out := make([][]byte, len(kr.keys))
	for i, k := range kr.keys {
		out[i] = bytes.Clone(k)
	}
	return out
}

// Primary returns a copy of the primary key.
func (kr *Keyring) Primary() []byte { return bytes.Clone(kr.keys[0]) }

// keyringFileVersion is the version of the keyring file format.
const keyringFileVersion = 1

// keyringFile is the persisted form: JSON, keys in base64, primary first.
type keyringFile struct {
	Version int      `json:"version"`
	Keys    []string `json:"keys"`
}

// MarshalBinary serialises the keyring for the data directory.
func (kr *Keyring) MarshalBinary() ([]byte, error) {
	f := keyringFile{Version: keyringFileVersion}
	for _, k := range kr.keys {
		f.Keys = append(f.Keys, EncodeKey(k))
	}
	return json.Marshal(f)
}

// UnmarshalKeyring parses a keyring written by MarshalBinary.
func UnmarshalKeyring(b []byte) (*Keyring, error) {
	var f keyringFile
	if err := json.Unmarshal(b, &f); err != nil {
		return nil, ErrKeyringFile
	}
	if f.Version != keyringFileVersion {
		return nil, fmt.Errorf("%w: unknown version %d", ErrKeyringFile, f.Version)
	}
	if len(f.Keys) == 0 {
		return nil, ErrNoKeys
	}
	kr := &Keyring{}
	for i, s := range f.Keys {
		k, err := ParseKey(s)
		if err != nil {
			return nil, fmt.Errorf("%w: key %d: %w", ErrKeyringFile, i, err)
		}
		if err := kr.Install(k); err != nil {
			return nil, fmt.Errorf("%w: key %d: %w", ErrKeyringFile, i, err)
		}
	}
	return kr, nil
}
