package acl

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// blockName returns the rule-language block for a resource and form.
func blockName(res Resource, prefix bool) string {
	if prefix {
		return res.String() + "_prefix"
	}
	return res.String()
}

// randomRuleName draws names with characters that need quoting care.
func randomRuleName(rng *rand.Rand) string {
	const alphabet = `ab/-_."\ é`
	runes := []rune(alphabet)
	var b strings.Builder
	for range rng.IntN(5) {
		b.WriteRune(runes[rng.IntN(len(runes))])
	}
	return b.String()
}

// renderForms writes the same random rules as HCL text and as JSON text.
func renderForms(rng *rand.Rand) (hclText, jsonText string) {
	levels := []string{"read", "write", "deny"}
	var hclB strings.Builder
	doc := map[string]any{}
	for range rng.IntN(12) {
		res := Resource(rng.IntN(int(ResourceIntention)))
		block := blockName(res, rng.IntN(2) == 0)
		name := randomRuleName(rng)
		level := levels[rng.IntN(len(levels))]
		if res == ResourceKey && rng.IntN(4) == 0 {
			level = "list"
		}
		names, _ := doc[block].(map[string]any)
		if names == nil {
			names = map[string]any{}
			doc[block] = names
		}
		if _, dup := names[name]; dup {
			continue // a JSON object cannot hold the same name twice
		}
		names[name] = map[string]string{"policy": level}
		fmt.Fprintf(&hclB, "%s %s {\n  policy = %q\n}\n", block, strconv.Quote(name), level)
	}
	for s := range numScalars {
		if rng.IntN(2) == 0 {
			level := levels[rng.IntN(len(levels))]
			doc[s.String()] = level
			fmt.Fprintf(&hclB, "%s = %q\n", s, level)
		}
	}
	out, err := json.Marshal(doc)
	if err != nil {
		panic(err)
	}
	return hclB.String(), string(out)
}

func TestRandomRulesParseIdenticallyFromHCLAndJSON(t *testing.T) {
	seeds := 500
	if testing.Short() {
		seeds = 30
	}
	total := 0
	for seed := range seeds {
		rng := rand.New(rand.NewPCG(uint64(seed), 0x68636c))
		hclText, jsonText := renderForms(rng)
		fromHCL, err := ParseRules(hclText)
		require.NoError(t, err, "seed %d:\n%s", seed, hclText)
		fromJSON, err := ParseRules(jsonText)
		require.NoError(t, err, "seed %d:\n%s", seed, jsonText)
		require.Equal(t, fromHCL, fromJSON, "seed %d:\n%s\n%s", seed, hclText, jsonText)
		total += len(fromHCL.Rules)
	}
	require.Greater(t, total, seeds, "the generator must produce rules")
}
