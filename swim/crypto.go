package swim

import (
	"errors"
	"fmt"
	"io"
)

// Sealed format, version 1: one byte encryptionVersion, a 12-byte nonce, then
// the AES-GCM ciphertext with its 16-byte tag. The version byte is also the
// additional authenticated data. encryptionVersion differs from wireVersion,
// so a plaintext member and an encrypted one each reject the other's packets.
const (
	encryptionVersion = 0x81
	nonceSize         = 12
	tagSize           = 16
)

// ErrDecrypt reports a sealed message that no installed key opens (unknown
// key, tampering, or a plaintext sender).
var ErrDecrypt = errors.New("swim: cannot decrypt message")

// Seal encrypts plain with the primary key and a nonce read from entropy.
func (kr *Keyring) Seal(entropy io.Reader, plain []byte) ([]byte, error) {
	out := make([]byte, 1+nonceSize, 1+nonceSize+len(plain)+tagSize)
	out[0] = encryptionVersion
	if _, err := io.ReadFull(entropy, out[1:]); err != nil {
		return nil, fmt.Errorf("swim: read nonce: %w", err)
	}
	return kr.aeads[0].Seal(out, out[1:1+nonceSize], plain, out[:1]), nil
}

// Open decrypts a sealed message with whichever installed key opens it.
func (kr *Keyring) Open(sealed []byte) ([]byte, error) {
	if len(sealed) < 1+nonceSize+tagSize || sealed[0] != encryptionVersion {
		return nil, ErrDecrypt
	}
	nonce, body := sealed[1:1+nonceSize], sealed[1+nonceSize:]
	for _, aead := range kr.aeads {
		if plain, err := aead.Open(nil, nonce, body, sealed[:1]); err == nil {
			return plain, nil
		}
	}
	return nil, ErrDecrypt
}
