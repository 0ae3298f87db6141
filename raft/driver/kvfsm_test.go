package driver

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"strings"

	"github.com/cairn-sd/cairn/raft"
)

// kvFSM is the state machine of the simulation tests: a map of registers.
// A command is "key=value".
type kvFSM struct {
	data map[string]string
}

func newKVFSM() *kvFSM { return &kvFSM{data: make(map[string]string)} }

func putCommand(key, value string) []byte { return []byte(key + "=" + value) }

func (f *kvFSM) Apply(_ uint64, cmd []byte) any {
	k, v, ok := strings.Cut(string(cmd), "=")
	if !ok {
		return fmt.Errorf("bad command %q", cmd)
	}
	f.data[k] = v
	return nil
}

type kvSnapshot []byte

func (s kvSnapshot) WriteTo(w io.Writer) (int64, error) {
	n, err := w.Write(s)
	return int64(n), err
}

// Snapshot encodes the map as JSON, whose object keys are sorted.
func (f *kvFSM) Snapshot() (raft.SnapshotWriter, error) {
	b, err := json.Marshal(f.data)
	return kvSnapshot(b), err
}

func (f *kvFSM) Restore(r io.Reader) error {
	var buf bytes.Buffer
	if _, err := buf.ReadFrom(r); err != nil {
		return err
	}
	data := make(map[string]string)
	if err := json.Unmarshal(buf.Bytes(), &data); err != nil {
		return err
	}
	f.data = data
	return nil
}

func (f *kvFSM) equal(g *kvFSM) bool { return maps.Equal(f.data, g.data) }
