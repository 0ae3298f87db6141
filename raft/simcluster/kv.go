package simcluster

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"strings"

	"github.com/cairn-sd/cairn/raft"
)

// KV is the state machine of the Raft simulation tests: a map of string
// registers. A command is "key=value".
type KV struct {
	data map[string]string
}

// NewKV returns an empty KV.
func NewKV() *KV { return &KV{data: make(map[string]string)} }

// PutCommand is the command that sets key to value.
func PutCommand(key, value string) []byte { return []byte(key + "=" + value) }

// Get returns a register's value, "" if never set.
func (f *KV) Get(key string) string { return f.data[key] }

// Data returns a copy of all registers.
func (f *KV) Data() map[string]string { return maps.Clone(f.data) }

// Apply sets one register.
func (f *KV) Apply(_ uint64, cmd []byte) any {
	k, v, ok := strings.Cut(string(cmd), "=")
	if !ok {
		return fmt.Errorf("simcluster: bad command %q", cmd)
	}
	f.data[k] = v
	return nil
}

type kvSnapshot []byte

func (s kvSnapshot) WriteTo(w io.Writer) (int64, error) {
	n, err := w.Write(s)
	return int64(n), err
}

// Snapshot encodes the map as JSON, whose object keys are sorted, so equal
// states have equal snapshots.
func (f *KV) Snapshot() (raft.SnapshotWriter, error) {
	b, err := json.Marshal(f.data)
	return kvSnapshot(b), err
}

// Restore replaces the map with a snapshot's.
func (f *KV) Restore(r io.Reader) error {
	var buf bytes.Buffer
	if _, err := buf.ReadFrom(r); err != nil {
		return err
	}
	data := make(map[string]string)
	if err := json.Unmarshal(buf.Bytes(), &data); err != nil {
		return fmt.Errorf("simcluster: restore: %w", err)
	}
	f.data = data
	return nil
}
