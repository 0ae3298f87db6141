package catalog

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/cairn-sd/cairn/acl"
)

// randomACLCommand draws an ACL write over small name spaces, so that IDs,
// names and secrets collide often and many writes are refused.
func randomACLCommand(r *rand.Rand, s *State, idx uint64) Command {
	pick := func(xs ...string) string { return xs[r.IntN(len(xs))] }
	accessor := pick("t0", "t1", "t2", acl.AnonymousTokenID)
	secret := pick("", "s0", "s1", "s2", acl.AnonymousTokenSecret)
	policyID := pick("p0", "p1", "p2", acl.GlobalManagementPolicyID)
	name := pick("a", "b", "c", acl.GlobalManagementPolicyName)
	now := Timestamp(idx) * 1_000
	switch r.IntN(9) {
	case 0:
		return &ACLInitRequest{InitialManagementAccessorID: pick("", "m0", "t0"), InitialManagementSecretID: secret, Now: now}
	case 1:
		reset := []uint64{0, s.db.aclBootstrap.ResetIndex, idx}[r.IntN(3)]
		return &ACLBootstrapRequest{AccessorID: pick("b"+fmt.Sprint(idx), "t1"), SecretID: secret + pick("", "x"),
			Now: now, ResetIndex: reset}
	case 2, 3:
		rules := pick(appRules, `node_prefix "" { policy = "read" }`, `key "x" { policy = "nope" }`)
		return &ACLPolicySetRequest{Policy: acl.Policy{ID: policyID, Name: name, Rules: rules}}
	case 4:
		return &ACLPolicyDeleteRequest{ID: policyID}
	case 5, 6, 7:
		var links []acl.PolicyLink
		for range r.IntN(3) {
			links = append(links, []acl.PolicyLink{{ID: policyID}, {Name: name}}[r.IntN(2)])
		}
		return &ACLTokenSetRequest{Token: acl.Token{AccessorID: accessor, SecretID: secret, Policies: links,
			Description: pick("", "d")}, Now: now}
	}
	return &ACLTokenDeleteRequest{AccessorID: accessor}
}

// checkACLIndexes requires the derived indexes to match their tables
// exactly: every policy's name and every token's secret, and nothing else.
func checkACLIndexes(t *testing.T, s *State, msg string) {
	d := &s.db
	require.Equal(t, d.aclPolicies.len(), d.aclPolicyNames.len(), msg)
	for id := range d.aclPolicies.all() {
		got, _ := d.aclPolicyNames.get(d.aclPolicies.at(id).Name)
		require.Equal(t, id, got, msg)
	}
	require.Equal(t, d.aclTokens.len(), d.aclTokenSecrets.len(), msg)
	for id := range d.aclTokens.all() {
		got, _ := d.aclTokenSecrets.get(d.aclTokens.at(id).SecretID)
		require.Equal(t, id, got, msg)
	}
}

// aclProbes are the ACL reads whose answers the property test follows,
// each answer as JSON (tokens with their secrets).
func aclProbes() map[string]func(s *State, ws *WatchSet) (uint64, string) {
	ps := map[string]func(s *State, ws *WatchSet) (uint64, string){
		"tokens":    func(s *State, ws *WatchSet) (uint64, string) { return asJSON(s.ACLTokenList(ws)) },
		"policies":  func(s *State, ws *WatchSet) (uint64, string) { return asJSON(s.ACLPolicyList(ws)) },
		"bootstrap": func(s *State, ws *WatchSet) (uint64, string) { return asJSON(s.ACLBootstrapState(ws)) },
	}
	for _, secret := range []string{"s0", "s1x", acl.AnonymousTokenSecret} {
		ps["secret "+secret] = func(s *State, ws *WatchSet) (uint64, string) {
			return asJSON(s.ACLTokenBySecret(ws, secret))
		}
	}
	return ps
}

// asJSON passes a read's index on with its answer as JSON.
func asJSON[V any](idx uint64, v V) (uint64, string) {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("encode a read's answer: %v", err))
	}
	return idx, string(b)
}

// TestACLRandomHistories applies random ACL histories and requires, at
// every step: a refused command changes nothing; the derived indexes match
// their tables; no read's index moves back, and a read whose answer changed
// had its watch fired and its index raised. A copy restored midway tracks
// the original to byte-identical snapshots.
func TestACLRandomHistories(t *testing.T) {
	probes := aclProbes()
	for seed := range seedCount(t) {
		r := rand.New(rand.NewPCG(uint64(seed), 3))
		a := newApplier(t)
		a.idx = 1
		var cp *State
		last := map[string]uint64{}
		for a.idx < 200 {
			watches, answers := map[string]*WatchSet{}, map[string]string{}
			for name, read := range probes {
				watches[name] = &WatchSet{}
				last[name], answers[name] = read(a.s, watches[name])
			}
			before := contentBytes(t, a.s)
			cmd := randomACLCommand(r, a.s, a.idx+1)
			res := a.do(cmd)
			msg := fmt.Sprintf("seed %d index %d %T", seed, a.idx, cmd)
			if res.Err != nil {
				require.Equal(t, before, contentBytes(t, a.s), msg+": a refused command changed the state")
			}
			if cp != nil {
				require.Equal(t, resultString(t, res), resultString(t, cp.Apply(a.idx, mustEncode(t, cmd)).(Result)), msg)
			}
			checkACLIndexes(t, a.s, msg)
			for name, read := range probes {
				idx, answer := read(a.s, nil)
				require.GreaterOrEqual(t, idx, last[name], msg+": "+name+" moved back")
				if answer != answers[name] {
					require.True(t, watches[name].Fired(), msg+": "+name+" changed without waking its watch")
					require.Greater(t, idx, last[name], msg+": "+name+" changed but its index did not")
				}
			}
			if a.idx == 100 {
				cp = restored(t, a.s)
				checkACLIndexes(t, cp, msg)
			}
		}
		require.Equal(t, snapshotBytes(t, a.s), snapshotBytes(t, cp), "seed %d", seed)
	}
}
