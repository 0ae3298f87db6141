package core

import (
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cairn-sd/cairn/acl"
	"github.com/cairn-sd/cairn/catalog"
)

// keyAuthorizer lets the token "writer" do everything and denies every
// other token, recording the tokens it was asked about.
type keyAuthorizer struct{ seen []string }

func (k *keyAuthorizer) decide(token string) error {
	k.seen = append(k.seen, token)
	if token == "writer" {
		return nil
	}
	return acl.ErrPermissionDenied
}

func (k *keyAuthorizer) Command(token string, _ []byte, done func(error)) { done(k.decide(token)) }
func (k *keyAuthorizer) NodeRead(token, _ string, done func(error))       { done(k.decide(token)) }
func (k *keyAuthorizer) SessionWrite(token, _ string, done func(error))   { done(k.decide(token)) }

func TestTokenEnvelopeRoundTripsAndRefusesGarbage(t *testing.T) {
	for _, token := range []string{"", "5e1f2a3b-0000-0000-0000-00000000beef"} {
		got, body, err := openToken(sealToken(token, []byte("cmd")))
		require.NoError(t, err)
		require.Equal(t, token, got)
		require.Equal(t, []byte("cmd"), body)
	}
	for _, bad := range [][]byte{nil, {2, 0}, {1}, {1, 5, 'a'}, {1, 0xff, 0xff, 0xff, 0xff, 0x0f}} {
		_, _, err := openToken(bad)
		require.ErrorIs(t, err, errBadEnvelope, "%v", bad)
	}
}

func FuzzOpenToken(f *testing.F) {
	f.Add(sealToken("t", []byte("body")))
	f.Add([]byte{1, 0})
	f.Add([]byte{1, 0x80})
	f.Fuzz(func(t *testing.T, b []byte) {
		token, body, err := openToken(b)
		if err != nil {
			return
		}
		require.Equal(t, b, sealToken(token, body), "a readable envelope re-encodes to itself")
	})
}

// applyVia runs apply on the cluster and returns its outcome.
func applyVia(t *testing.T, c *cluster, apply func([]byte, func(catalog.Result, error)), key string) error {
	cmd, err := catalog.Encode(&catalog.KVSetRequest{Key: key, Value: []byte(key)})
	require.NoError(t, err)
	var out error
	answered := false
	apply(cmd, func(r catalog.Result, err error) {
		answered, out = true, err
		if err == nil {
			out = r.Err
		}
	})
	c.sim.RunFor(10 * time.Second)
	require.True(t, answered)
	return out
}

// TestRPCWritesAreCheckedAgainstTheTokenTheyCarry: a client's write is
// refused with ErrPermissionDenied unless its token may write, and a
// follower forwarding a write sends the request's token, which the leader
// checks again.
func TestRPCWritesAreCheckedAgainstTheTokenTheyCarry(t *testing.T) {
	c := newGossipCluster(t, 1)
	clients := c.addClients(t, 1)
	c.sim.RunFor(20 * time.Second)
	cl := clients["c1"]
	leader, follower := c.leader(), c.follower()
	require.NotEmpty(t, follower)
	auth := map[string]*keyAuthorizer{}
	for name, s := range c.servers {
		auth[name] = &keyAuthorizer{}
		s.SetRPCAuthorizer(auth[name])
	}

	err := applyVia(t, c, func(b []byte, done func(catalog.Result, error)) { cl.ApplyAs("intruder", b, done) }, "a")
	require.True(t, errors.Is(err, acl.ErrPermissionDenied), "a client's write with a bad token: %v", err)
	require.NoError(t, applyVia(t, c, func(b []byte, done func(catalog.Result, error)) { cl.ApplyAs("writer", b, done) }, "b"))

	err = applyVia(t, c, func(b []byte, done func(catalog.Result, error)) { c.servers[follower].ApplyFor("intruder", b, done) }, "c")
	require.True(t, errors.Is(err, acl.ErrPermissionDenied), "the leader checks a forwarded write: %v", err)
	require.Contains(t, auth[leader].seen, "intruder")
	require.NoError(t, applyVia(t, c, func(b []byte, done func(catalog.Result, error)) { c.servers[follower].ApplyFor("writer", b, done) }, "d"))

	for _, key := range []string{"a", "c"} {
		_, e := c.servers[leader].Catalog().KVGet(nil, key)
		require.Nil(t, e, "refused write %q is not in the catalog", key)
	}
	_, e := c.servers[leader].Catalog().KVGet(nil, "d")
	require.NotNil(t, e)
}

// TestAgentSyncUsesTheAgentTokenTakenAtEachSync: a service added while
// the agent's token may not write stays out of the catalog; once the token
// is changed, the next sync registers it.
func TestAgentSyncUsesTheAgentTokenTakenAtEachSync(t *testing.T) {
	c := newGossipCluster(t, 2)
	a := c.addLocalClient(t, "c1")
	c.sim.RunFor(20 * time.Second)
	for _, s := range c.servers {
		s.SetRPCAuthorizer(&keyAuthorizer{})
	}
	token := "nobody"
	a.local.cfg.Token = func() string { return token }
	require.NoError(t, a.local.AddService(catalog.Service{Service: "web", Port: 80}, nil))
	c.sim.RunFor(10 * time.Second)
	require.Empty(t, c.health(t, "web"), "a sync with a token that may not write changes nothing")

	token = "writer"
	c.sim.RunFor(60 * time.Second)
	require.Len(t, c.health(t, "web"), 1, "a later sync carries the new token")
}
