package catalog

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"
)

// FuzzKVPairJSONMatchesEncodingJSON checks that a KV pair's hand-built
// JSON, in API answers and snapshots, is byte for byte what encoding/json
// writes for it, for any key, value and session.
func FuzzKVPairJSONMatchesEncodingJSON(f *testing.F) {
	f.Add("web/config", []byte("hello"), "", uint64(7), uint64(0))
	f.Add("a\"b\\c\n\t\b\f\r\x01<>&\x7f", []byte{}, "sess-1", uint64(1<<63), uint64(42))
	f.Add("caf\xc3\xa9 \xe2\x80\xa8 \xe2\x80\xa9 \xff\xfe \xed\xa0\x80", []byte{0, 255, 1}, "\u2028", uint64(0), uint64(1))
	f.Add("", []byte(nil), "", uint64(0), uint64(0))
	f.Fuzz(func(t *testing.T, key string, value []byte, session string, index, flags uint64) {
		p := &KVPair{Key: key, CreateIndex: index, ModifyIndex: index + 1, LockIndex: flags / 2,
			Flags: flags, Value: value, Session: session}
		want, err := json.Marshal(p)
		require.NoError(t, err)
		got, err := appendRecord([]byte("kept"), p)
		require.NoError(t, err)
		require.Equal(t, "kept"+string(want), string(got))
	})
}

func TestNilKVPairIsNull(t *testing.T) {
	var p *KVPair
	require.Equal(t, "null", string(p.AppendJSON(nil)))
}
