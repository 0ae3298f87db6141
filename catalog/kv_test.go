package catalog

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestKVOperations(t *testing.T) {
	type step struct {
		cmd    Command
		wantOK bool
	}
	cases := []struct {
		name  string
		steps []step
		want  map[string]string
	}{
		{"set", []step{{&KVSetRequest{Key: "a", Value: []byte("1")}, true}}, map[string]string{"a": "1"}},
		{"cas 0 creates", []step{{&KVCASRequest{Key: "a", Value: []byte("1")}, true}}, map[string]string{"a": "1"}},
		{"cas 0 refuses existing", []step{
			{&KVSetRequest{Key: "a", Value: []byte("1")}, true},
			{&KVCASRequest{Key: "a", Value: []byte("2")}, false}}, map[string]string{"a": "1"}},
		{"cas matching index", []step{
			{&KVSetRequest{Key: "a", Value: []byte("1")}, true},
			{&KVCASRequest{Key: "a", Value: []byte("2"), Index: 1}, true}}, map[string]string{"a": "2"}},
		{"cas stale index", []step{
			{&KVSetRequest{Key: "a", Value: []byte("1")}, true},
			{&KVSetRequest{Key: "a", Value: []byte("2")}, true},
			{&KVCASRequest{Key: "a", Value: []byte("3"), Index: 1}, false}}, map[string]string{"a": "2"}},
		{"cas on missing key with index", []step{{&KVCASRequest{Key: "a", Index: 5}, false}}, map[string]string{}},
		{"delete", []step{
			{&KVSetRequest{Key: "a"}, true},
			{&KVDeleteRequest{Key: "a"}, true},
			{&KVDeleteRequest{Key: "a"}, true}}, map[string]string{}},
		{"delete cas", []step{
			{&KVSetRequest{Key: "a"}, true},
			{&KVDeleteCASRequest{Key: "a", Index: 7}, false},
			{&KVDeleteCASRequest{Key: "a", Index: 1}, true},
			{&KVDeleteCASRequest{Key: "a", Index: 1}, true}}, map[string]string{}},
		{"delete tree", []step{
			{&KVSetRequest{Key: "app/a", Value: []byte("1")}, true},
			{&KVSetRequest{Key: "app/b/c", Value: []byte("2")}, true},
			{&KVSetRequest{Key: "apps", Value: []byte("3")}, true},
			{&KVDeleteTreeRequest{Prefix: "app/"}, true}}, map[string]string{"apps": "3"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			a := newApplier(t)
			for i, st := range tc.steps {
				res := a.do(st.cmd)
				require.NoError(t, res.Err)
				require.Equal(t, st.wantOK, res.OK, "step %d", i)
			}
			_, all := a.s.KVList(nil, "")
			got := map[string]string{}
			for _, e := range all {
				got[e.Key] = string(e.Value)
			}
			require.Equal(t, tc.want, got)
		})
	}
}

func TestKVSetKeepsCreateIndexAndMovesModifyIndex(t *testing.T) {
	a := newApplier(t)
	a.ok(&KVSetRequest{Key: "k", Value: []byte("1"), Flags: 3})
	a.ok(&KVSetRequest{Key: "k", Value: []byte("1"), Flags: 3})
	idx, e := a.s.KVGet(nil, "k")
	require.Equal(t, uint64(2), idx)
	require.Equal(t, uint64(1), e.CreateIndex)
	require.Equal(t, uint64(2), e.ModifyIndex)
	require.Equal(t, uint64(3), e.Flags)
}

func TestKVKeysWithSeparator(t *testing.T) {
	a := newApplier(t)
	for _, k := range []string{"a/b!", "a/b/c", "a/b/d", "a/x", "a/y/z/w", "b/q"} {
		a.ok(&KVSetRequest{Key: k})
	}
	_, keys := a.s.KVKeys(nil, "a/", "/")
	require.Equal(t, []string{"a/b!", "a/b/", "a/x", "a/y/"}, keys)
	_, keys = a.s.KVKeys(nil, "a/", "")
	require.Equal(t, []string{"a/b!", "a/b/c", "a/b/d", "a/x", "a/y/z/w"}, keys)
	_, keys = a.s.KVKeys(nil, "", "/")
	require.Equal(t, []string{"a/", "b/"}, keys)
}

func TestKVIndexes(t *testing.T) {
	a := newApplier(t)
	idx, e := a.s.KVGet(nil, "x")
	require.Nil(t, e)
	require.Equal(t, uint64(1), idx, "an empty store answers 1, never 0")

	a.ok(&KVSetRequest{Key: "app/a"})   // 1
	a.ok(&KVSetRequest{Key: "app/b"})   // 2
	a.ok(&KVSetRequest{Key: "other/x"}) // 3
	idx, _ = a.s.KVList(nil, "app/")
	require.Equal(t, uint64(2), idx, "a prefix answers its newest key")
	a.ok(&KVDeleteRequest{Key: "app/b"}) // 4
	idx, list := a.s.KVList(nil, "app/")
	require.Len(t, list, 1)
	require.Equal(t, uint64(4), idx, "the tombstone moves the prefix forward")
	idx, _ = a.s.KVGet(nil, "app/b")
	require.Equal(t, uint64(4), idx)
	idx, _ = a.s.KVList(nil, "none/")
	require.Equal(t, uint64(4), idx, "an empty prefix answers the table's index")
}
