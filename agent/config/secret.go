package config

import (
	"encoding/base64"
	"errors"
)

// Secret is a configuration value that must never reach a log or an error
// message: the gossip key and ACL tokens. Every way of printing it (%v, %s,
// %#v, JSON) shows "hidden"; only [Secret.Reveal] returns the value.
type Secret string

// hidden is what a non-empty secret prints as.
const hidden = "hidden"

// String returns "hidden", or "" for an empty secret.
func (s Secret) String() string {
	if s == "" {
		return ""
	}
	return hidden
}

// GoString returns the same as String, so %#v does not leak the value.
func (s Secret) GoString() string { return `"` + s.String() + `"` }

// MarshalJSON encodes the redacted form, so JSON dumps do not leak the value.
func (s Secret) MarshalJSON() ([]byte, error) { return []byte(`"` + s.String() + `"`), nil }

// Reveal returns the secret's value, for the one place that needs it.
func (s Secret) Reveal() string { return string(s) }

// errBadKey is the message for a gossip key that does not decode; it says
// nothing about the value.
var errBadKey = errors.New("must be the base64 encoding of a 16, 24 or 32-byte key (use `cairn keygen`)")

// decodeGossipKey decodes a base64 gossip key and checks its length.
func decodeGossipKey(s string) ([]byte, error) {
	key, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		return nil, errBadKey
	}
	switch len(key) {
	case 16, 24, 32:
		return key, nil
	}
	return nil, errBadKey
}

// GossipKey returns the decoded gossip encryption key, or nil when
// encryption is off. Load has already checked the key, so it decodes.
func (c *Config) GossipKey() []byte {
	if c.Encrypt == "" {
		return nil
	}
	key, err := decodeGossipKey(c.Encrypt.Reveal())
	if err != nil {
		panic("config: GossipKey on an unchecked key")
	}
	return key
}
