package core

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/cairn-sd/cairn/acl"
)

func FuzzDecodeReplicationQuery(f *testing.F) {
	f.Add([]byte(`{"Type":"tokens","Token":"t","MinIndex":4}`))
	f.Add([]byte(`{"Type":"policies"}`))
	f.Add([]byte(`{"Type":"roles"}`))
	f.Add([]byte(`[`))
	f.Fuzz(func(t *testing.T, b []byte) {
		q, err := decodeReplicationQuery(b)
		if err != nil {
			return
		}
		require.Contains(t, []string{ReplicationPolicies, ReplicationTokens}, q.Type)
	})
}

func FuzzDecodeReplicationSet(f *testing.F) {
	f.Add([]byte(`{"Index":3,"Policies":[{"ID":"p","Name":"p"}]}`))
	f.Add([]byte(`{"Index":3,"Tokens":[null]}`))
	f.Add([]byte(`{"Index":3,"Unchanged":true}`))
	f.Add([]byte(`{"Tokens":[{"AccessorID":"a","SecretID":"s","Local":true}]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		set, err := decodeReplicationSet(b)
		if err != nil {
			return
		}
		// Whatever decodes, the diff takes without a panic.
		diffPolicies(set.Policies, nil)
		diffTokens(set.Tokens, set.Tokens)
	})
}

func FuzzDecodeResolvedToken(f *testing.F) {
	f.Add([]byte(`{"Token":{"AccessorID":"a","SecretID":"s","Policies":[{"ID":"p"}]},"Policies":[{"ID":"p","Rules":"key \"\" { policy = \"read\" }"}]}`))
	f.Add([]byte(`{"Token":null}`))
	f.Add([]byte(`{"Policies":[null]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		rt, err := decodeResolvedToken(b)
		if err != nil {
			return
		}
		require.NotNil(t, rt.Token)
		_, _ = rt.Authorizer(acl.NewResolver(acl.ResolverConfig{}))
		_, err = json.Marshal(rt)
		require.NoError(t, err)
	})
}
