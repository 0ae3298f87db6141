package acl

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// naiveLookup is the reference the radix tree is checked against: a linear
// scan that applies Consul's precedence literally.
func naiveLookup(rules []Rule, name string) Access {
	exact := AccessUnset
	for _, r := range rules {
		if !r.Prefix && r.Name == name {
			exact = exact.merge(r.Access)
		}
	}
	if exact != AccessUnset {
		return exact
	}
	return naiveLongestPrefix(rules, name)
}

func naiveLongestPrefix(rules []Rule, name string) Access {
	best, bestLen := AccessUnset, -1
	for _, r := range rules {
		if !r.Prefix || !strings.HasPrefix(name, r.Name) {
			continue
		}
		switch {
		case len(r.Name) > bestLen:
			best, bestLen = r.Access, len(r.Name)
		case len(r.Name) == bestLen:
			best = best.merge(r.Access)
		}
	}
	return best
}

func naiveKeyWritePrefix(rules []Rule, fallback DefaultPolicy, prefix string) Decision {
	// Rules for the same name and form merge before anything is compared,
	// as they do across a token's policies.
	merged := &Ruleset{Rules: append([]Rule(nil), rules...)}
	merged.normalize()
	rules = merged.Rules
	base := naiveLongestPrefix(rules, prefix)
	if base != AccessUnset && base != AccessWrite {
		return Deny
	}
	for _, r := range rules {
		if strings.HasPrefix(r.Name, prefix) && r.Access != AccessWrite {
			return Deny
		}
	}
	if base == AccessWrite {
		return Allow
	}
	return decision(fallback == DefaultAllow)
}

// randomName draws short names over a tiny alphabet, so that rules and
// questions share prefixes often.
func randomName(rng *rand.Rand) string {
	const alphabet = "ab/"
	var b strings.Builder
	for range rng.IntN(6) {
		b.WriteByte(alphabet[rng.IntN(len(alphabet))])
	}
	return b.String()
}

func randomRules(rng *rand.Rand) []Rule {
	levels := []Access{AccessDeny, AccessRead, AccessList, AccessWrite}
	rules := make([]Rule, rng.IntN(40))
	for i := range rules {
		rules[i] = Rule{
			Resource: ResourceKey,
			Name:     randomName(rng),
			Prefix:   rng.IntN(2) == 0,
			Access:   levels[rng.IntN(len(levels))],
		}
	}
	return rules
}

func TestRadixLookupAgreesWithNaiveReference(t *testing.T) {
	seeds := 2000
	if testing.Short() {
		seeds = 50
	}
	for seed := range seeds {
		rng := rand.New(rand.NewPCG(uint64(seed), 0x61636c))
		rules := randomRules(rng)
		// Split the rules over up to three policies, as a token's would be.
		parts := make([]*Ruleset, 1+rng.IntN(3))
		for i := range parts {
			parts[i] = &Ruleset{}
		}
		for _, r := range rules {
			p := parts[rng.IntN(len(parts))]
			p.Rules = append(p.Rules, r)
		}
		fallback := DefaultPolicy(rng.IntN(2))
		a := NewAuthorizer(fallback, parts...)
		for range 50 {
			name := randomName(rng)
			msg := fmt.Sprintf("seed %d, name %q, rules %v", seed, name, rules)
			require.Equal(t, naiveLookup(rules, name), a.trees[ResourceKey].lookup(name), msg)
			require.Equal(t, naiveKeyWritePrefix(rules, fallback, name), a.KeyWritePrefix(name), msg)
		}
	}
}

func TestRadixSplitsEdgesAndKeepsBothRuleForms(t *testing.T) {
	var tree radixTree
	tree.insert("foobar", false, AccessRead)
	tree.insert("foo", true, AccessWrite)
	tree.insert("foo", false, AccessDeny)
	tree.insert("fob", true, AccessList)
	tree.finish()
	require.Equal(t, AccessRead, tree.lookup("foobar"))
	require.Equal(t, AccessDeny, tree.lookup("foo"))
	require.Equal(t, AccessWrite, tree.lookup("foob"))
	require.Equal(t, AccessList, tree.lookup("fobx"))
	require.Equal(t, AccessUnset, tree.lookup("fo"))
	require.Equal(t, AccessWrite, tree.longestPrefix("foo"))
	require.True(t, tree.nonWriteUnder("fo"))
	require.False(t, tree.nonWriteUnder("foobarx"))
}

// BenchmarkAuthorizerLookup measures one question against a token whose
// policies hold 10,000 key rules (half exact, half prefix).
func BenchmarkAuthorizerLookup(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 2))
	rs := &Ruleset{}
	names := make([]string, 10000)
	for i := range names {
		names[i] = fmt.Sprintf("svc/%04d/%x/", i, rng.Uint32())
		rs.Rules = append(rs.Rules, Rule{Resource: ResourceKey, Name: names[i], Prefix: i%2 == 0, Access: AccessWrite})
	}
	a := NewAuthorizer(DefaultDeny, rs)
	b.Run("KeyRead", func(b *testing.B) {
		for i := 0; b.Loop(); i++ {
			a.KeyRead(names[i%len(names)] + "config")
		}
	})
	b.Run("KeyWritePrefix", func(b *testing.B) {
		for i := 0; b.Loop(); i++ {
			a.KeyWritePrefix(names[i%len(names)])
		}
	})
	b.Run("NaiveScan", func(b *testing.B) {
		for i := 0; b.Loop(); i++ {
			naiveLookup(rs.Rules, names[i%len(names)]+"config")
		}
	})
}
