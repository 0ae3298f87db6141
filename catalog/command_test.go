package catalog

import (
	"slices"
	"testing"

	"github.com/stretchr/testify/require"
)

func sampleCommands() []Command {
	return []Command{
		&RegisterRequest{ID: "0b6f", Node: "n1", Address: "10.0.0.1", Datacenter: "dc1",
			TaggedAddresses: map[string]string{"lan": "10.0.0.1"}, NodeMeta: map[string]string{"rack": "a"},
			Service: &Service{ID: "web-1", Service: "web", Tags: []string{"v1"}, Port: 80,
				Meta: map[string]string{"version": "2"}, Weights: Weights{Passing: 3, Warning: 1},
				TaggedAddresses: map[string]ServiceAddress{"wan": {Address: "1.2.3.4", Port: 8080}}},
			Checks: []*HealthCheck{{CheckID: "web-http", Name: "http", ServiceID: "web-1", Status: HealthPassing,
				Definition: HealthCheckDefinition{HTTP: "http://x/health", Header: map[string][]string{"A": {"b"}},
					Interval: Duration(10e9), Timeout: Duration(1e9)}}},
			SkipNodeUpdate: false},
		&DeregisterRequest{Node: "n1", ServiceID: "web-1"},
		&UpdateCheckRequest{Node: "n1", CheckID: "serfHealth", Status: HealthCritical, Output: "gone"},
		&KVSetRequest{Key: "app/x", Value: []byte{0, 1, 2}, Flags: 7},
		&KVCASRequest{Key: "app/x", Value: []byte("v"), Index: 3},
		&KVDeleteRequest{Key: "app/x"},
		&KVDeleteCASRequest{Key: "app/x", Index: 4},
		&KVDeleteTreeRequest{Prefix: "app/"},
		&ReapRequest{Index: 9},
	}
}

// sessionSampleCommands are the commands of sessions, locks and
// transactions, and the older requests with their Now fields set.
func sessionSampleCommands() []Command {
	return []Command{
		&SessionCreateRequest{Session: Session{ID: "adf4238a-882b-9ddc-4a9d-5b6758e4159e", Name: "lead", Node: "n1",
			LockDelay: 15e9, Behavior: SessionDelete, TTL: "30s", NodeChecks: []string{"serfHealth"},
			ServiceChecks: []ServiceCheck{{ID: "web-http", Namespace: "default"}}}},
		&SessionCreateRequest{Session: Session{ID: "s2", Node: "n2", Checks: []string{}}, DisableLockDelay: true},
		&SessionDestroyRequest{ID: "s2", Now: 1_700_000_000_000_000_000},
		&KVLockRequest{Key: "service/leader", Value: []byte("n1"), Flags: 1, Session: "s2", Now: 5},
		&KVUnlockRequest{Key: "service/leader", Value: []byte{}, Session: "s2"},
		&TxnRequest{Now: 9, Ops: []TxnOp{
			{KV: &TxnKVOp{Verb: TxnKVCAS, Key: "a", Value: []byte("x"), Index: 4}},
			{KV: &TxnKVOp{Verb: TxnKVLock, Key: "b", Session: "s2"}},
			{KV: &TxnKVOp{Verb: TxnKVGetTree, Key: "c/"}},
			{},
		}},
		&UpdateCheckRequest{Node: "n1", CheckID: "serfHealth", Status: HealthCritical, Now: 7},
		&DeregisterRequest{Node: "n1", Now: 8},
		&RegisterRequest{Node: "n1", SkipNodeUpdate: true, Now: 9},
	}
}

func TestEncodeDecodeRoundTripsEveryCommand(t *testing.T) {
	for _, cmd := range slices.Concat(sampleCommands(), sessionSampleCommands(), aclSampleCommands()) {
		b, err := Encode(cmd)
		require.NoError(t, err)
		require.Equal(t, byte(CommandVersion), b[0])
		got, err := Decode(b)
		require.NoError(t, err)
		require.Equal(t, cmd, got)
	}
}

func TestDecodeRefusesMalformedCommands(t *testing.T) {
	good, err := Encode(&KVSetRequest{Key: "k"})
	require.NoError(t, err)
	cases := map[string][]byte{
		"empty":          nil,
		"one byte":       {CommandVersion},
		"wrong version":  append([]byte{2}, good[1:]...),
		"unknown op":     append([]byte{CommandVersion, 200}, good[2:]...),
		"not json":       {CommandVersion, byte(opKVSet), '{'},
		"unknown field":  append([]byte{CommandVersion, byte(opKVSet)}, `{"Key":"k","Bogus":1}`...),
		"trailing bytes": append(append([]byte(nil), good...), `{}`...),
		"wrong type":     append([]byte{CommandVersion, byte(opKVSet)}, `{"Key":5}`...),
	}
	for name, b := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := Decode(b)
			require.ErrorIs(t, err, ErrBadCommand)
		})
	}
}

func TestApplyRefusesUndecodableCommandAndChangesNothing(t *testing.T) {
	a := newApplier(t)
	a.ok(&KVSetRequest{Key: "k", Value: []byte("v")})
	res := a.s.Apply(2, []byte{9, 9, 9}).(Result)
	require.ErrorIs(t, res.Err, ErrBadCommand)
	require.False(t, res.OK)
	_, kvs := a.s.KVList(nil, "")
	require.Len(t, kvs, 1)
	require.Equal(t, uint64(2), a.s.LastIndex(), "the index still advances")
}

func FuzzDecode(f *testing.F) {
	for _, cmd := range slices.Concat(sampleCommands(), sessionSampleCommands(), aclSampleCommands()) {
		b, err := Encode(cmd)
		require.NoError(f, err)
		f.Add(b)
	}
	f.Add([]byte{CommandVersion, byte(opRegister), 'n', 'u', 'l', 'l'})
	f.Add(append([]byte{CommandVersion, byte(opTxn)}, `{"Ops":[{"KV":null},{"KV":{"Verb":"get"}}],"Now":-1}`...))
	f.Add(append([]byte{CommandVersion, byte(opSessionCreate)}, `{"Session":{"ID":"x","LockDelay":-5}}`...))
	f.Add(append([]byte{CommandVersion, byte(opACLTokenSet)}, `{"Token":{"AccessorID":"a","SecretID":"s","CreateTime":"0000-01-01T00:00:00+01:00"}}`...))
	f.Fuzz(func(t *testing.T, b []byte) {
		cmd, err := Decode(b)
		if err != nil {
			require.ErrorIs(t, err, ErrBadCommand)
			return
		}
		again, err := Encode(cmd)
		require.NoError(t, err)
		cmd2, err := Decode(again)
		require.NoError(t, err)
		require.Equal(t, cmd, cmd2)
		s := New(nil)
		require.IsType(t, Result{}, s.Apply(1, b))
	})
}
