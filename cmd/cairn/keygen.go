package main

import (
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"io"
)

// keyBytes is the size of a generated gossip key (AES-256).
const keyBytes = 32

// runKeygen prints a new gossip encryption key: 32 bytes from crypto/rand,
// base64-encoded, usable as the "encrypt" config key.
func runKeygen(args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 {
		fmt.Fprintln(stderr, "Usage: cairn keygen")
		return 1
	}
	key := make([]byte, keyBytes)
	if _, err := rand.Read(key); err != nil {
		fmt.Fprintf(stderr, "cairn: keygen: reading random bytes: %v\n", err)
		return 1
	}
	fmt.Fprintln(stdout, base64.StdEncoding.EncodeToString(key))
	return 0
}
