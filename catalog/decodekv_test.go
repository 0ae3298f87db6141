package catalog

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestDecodeKVTakesWhatEncodeWrites(t *testing.T) {
	for _, cmd := range []Command{
		&KVSetRequest{Key: "app/config/x", Value: []byte("some value"), Flags: 42},
		&KVSetRequest{Key: "ünïcode/キー", Value: []byte{}},
		&KVSetRequest{Key: "nil value"},
		&KVCASRequest{Key: "a", Value: []byte{0, 1, 2}, Flags: 1, Index: 18446744073709551615},
		&KVDeleteRequest{Key: "a/b"},
		&KVDeleteRequest{},
	} {
		b := mustEncode(t, cmd)
		got, ok := decodeKV(opCode(b[1]), b[2:])
		require.True(t, ok, "the fast path takes %s", b[2:])
		require.Equal(t, cmd, got)
	}
}

func TestDecodeKVLeavesOtherFormsToTheGeneralPath(t *testing.T) {
	cases := map[string]string{
		"escaped key":       `{"Key":"a\u0062","Value":null,"Flags":0}`,
		"space":             `{"Key":"a", "Value":null,"Flags":0}`,
		"fields reordered":  `{"Value":null,"Key":"a","Flags":0}`,
		"field name case":   `{"key":"a","Value":null,"Flags":0}`,
		"missing field":     `{"Key":"a","Value":null}`,
		"unknown field":     `{"Key":"a","Value":null,"Flags":0,"Bogus":1}`,
		"leading zero":      `{"Key":"a","Value":null,"Flags":07}`,
		"exponent":          `{"Key":"a","Value":null,"Flags":1e3}`,
		"overflow":          `{"Key":"a","Value":null,"Flags":18446744073709551616}`,
		"bad base64":        `{"Key":"a","Value":"abc","Flags":0}`,
		"invalid utf-8":     "{\"Key\":\"\xff\",\"Value\":null,\"Flags\":0}",
		"null body":         `null`,
		"trailing bytes":    `{"Key":"a","Value":null,"Flags":0}{}`,
		"unterminated":      `{"Key":"a`,
		"key null":          `{"Key":null,"Value":null,"Flags":0}`,
		"value number":      `{"Key":"a","Value":5,"Flags":0}`,
		"control character": "{\"Key\":\"a\tb\",\"Value\":null,\"Flags\":0}",
	}
	for name, body := range cases {
		t.Run(name, func(t *testing.T) {
			_, ok := decodeKV(opKVSet, []byte(body))
			require.False(t, ok)
		})
	}
}

// FuzzDecodeKVMatchesGeneralPath checks that Decode, fast path included,
// gives the command encoding/json gives, or refuses what it refuses.
func FuzzDecodeKVMatchesGeneralPath(f *testing.F) {
	for _, cmd := range []Command{
		&KVSetRequest{Key: "app/x", Value: []byte{0, 1, 2}, Flags: 7},
		&KVCASRequest{Key: "app/x", Value: []byte("v"), Index: 3},
		&KVDeleteRequest{Key: "app/x"},
	} {
		b := mustEncode(f, cmd)
		f.Add(b[1], b[2:])
	}
	f.Add(byte(opKVSet), []byte(`{"Key":"a","Value":"","Flags":0}`))
	f.Add(byte(opKVSet), []byte("{\"Key\":\"a<&>\u2028\x7f\",\"Value\":\"YQ==\",\"Flags\":18446744073709551615}"))
	f.Add(byte(opKVCAS), []byte(`{"Key":"\u212aey","Value":null,"Flags":0,"Index":1}`))
	f.Add(byte(opKVDelete), []byte(`{"Key":"a"} `))
	f.Fuzz(func(t *testing.T, op byte, body []byte) {
		got, err := Decode(append([]byte{CommandVersion, op}, body...))
		want, wantErr := decodeJSON(opCode(op), body)
		if wantErr != nil {
			require.ErrorIs(t, err, ErrBadCommand)
			return
		}
		require.NoError(t, err)
		require.Equal(t, want, got)
	})
}
