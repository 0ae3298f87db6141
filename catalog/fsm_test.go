package catalog

import (
	"bytes"
	"encoding/json"
	"io"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestReadsAndSnapshotsRunBesideApply is for the race detector: reads and
// snapshot serialisation on other goroutines while Apply goes on.
func TestReadsAndSnapshotsRunBesideApply(t *testing.T) {
	s := New(nil)
	r := rand.New(rand.NewPCG(7, 7))
	cmds := make([][]byte, 400)
	for i := range cmds {
		cmds[i] = mustEncode(t, randomCommand(r, uint64(i+1)))
	}
	var wg sync.WaitGroup
	done := make(chan struct{})
	// repeat runs fn on its own goroutine until done is closed.
	repeat := func(fn func()) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-done:
					return
				default:
					fn()
				}
			}
		}()
	}
	repeat(func() {
		for _, p := range probes() {
			p.read(s, &WatchSet{})
		}
	})
	repeat(func() {
		sw, err := s.Snapshot()
		if err != nil {
			panic(err)
		}
		if _, err := sw.WriteTo(io.Discard); err != nil {
			panic(err)
		}
	})
	for i, b := range cmds {
		s.Apply(uint64(i+1), b)
	}
	close(done)
	wg.Wait()
	require.Equal(t, uint64(len(cmds)), s.LastIndex())
}

func TestDurationJSON(t *testing.T) {
	b, err := json.Marshal(Duration(90 * time.Second))
	require.NoError(t, err)
	require.Equal(t, `"1m30s"`, string(b))
	var d Duration
	require.NoError(t, json.Unmarshal([]byte(`"10s"`), &d))
	require.Equal(t, Duration(10*time.Second), d)
	require.NoError(t, json.Unmarshal([]byte(`1000`), &d))
	require.Equal(t, Duration(1000), d)
	require.Error(t, json.Unmarshal([]byte(`"ten seconds"`), &d))
	require.Error(t, json.Unmarshal([]byte(`true`), &d))
}

func TestRowsSerialiseWithConsulFieldNames(t *testing.T) {
	a := cluster(t)
	a.ok(&KVSetRequest{Key: "k", Value: []byte("hi"), Flags: 2})
	_, entries, err := a.s.CheckServiceNodes(nil, "web", Query{})
	require.NoError(t, err)
	var generic []map[string]any
	require.NoError(t, json.Unmarshal([]byte(jsonOf(t, entries)), &generic))
	require.ElementsMatch(t, []string{"Node", "Service", "Checks"}, keysOf(generic[0]))
	require.ElementsMatch(t, []string{"ID", "Node", "Address", "Datacenter", "TaggedAddresses", "Meta",
		"CreateIndex", "ModifyIndex"}, keysOf(generic[0]["Node"].(map[string]any)))
	require.ElementsMatch(t, []string{"ID", "Service", "Tags", "Address", "Port", "Meta", "TaggedAddresses",
		"Weights", "EnableTagOverride", "CreateIndex", "ModifyIndex"}, keysOf(generic[0]["Service"].(map[string]any)))
	_, kv := a.s.KVGet(nil, "k")
	require.Equal(t, `{"Key":"k","CreateIndex":9,"ModifyIndex":9,"LockIndex":0,"Flags":2,"Value":"aGk="}`,
		jsonOf(t, kv))
	require.True(t, bytes.Contains([]byte(jsonOf(t, entries)), []byte(`"Interval":"0s"`)))
}

func keysOf(m map[string]any) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}
