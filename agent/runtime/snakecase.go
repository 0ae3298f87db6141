package runtime

import (
	"encoding/json"
	"maps"
	"slices"
	"strings"
)

// Registrations in the wild also spell keys in snake_case
// ("enable_tag_override", "deregister_critical_service_after"), which
// Consul translates. Go's JSON decoding already ignores case, so dropping
// the underscores of every key is enough, except for the keys of maps
// that hold user data (Meta, Header, the names of TaggedAddresses), which
// stay as written.

// userMapKeys are the keys (without underscores, in lower case) whose
// object values are maps of user data.
var userMapKeys = map[string]bool{"meta": true, "nodemeta": true, "header": true, "taggedaddresses": true}

// normaliseKeys rewrites a JSON document's object keys without their
// underscores, leaving the keys of user maps alone. A document that is not
// valid JSON is returned as it is, for the decoder to refuse.
func normaliseKeys(b []byte) []byte {
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		return b
	}
	out, err := json.Marshal(normaliseValue(v))
	if err != nil {
		return b
	}
	return out
}

func normaliseValue(v any) any {
	switch v := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(v))
		// In key order, so that two spellings of one key resolve alike
		// every time (the later one in sort order wins).
		for _, k := range slices.Sorted(maps.Keys(v)) {
			val := v[k]
			nk := strings.ReplaceAll(k, "_", "")
			if m, ok := val.(map[string]any); ok && userMapKeys[strings.ToLower(nk)] {
				val = normaliseUserMap(m, strings.EqualFold(nk, "taggedaddresses"))
			} else {
				val = normaliseValue(val)
			}
			out[nk] = val
		}
		return out
	case []any:
		for i := range v {
			v[i] = normaliseValue(v[i])
		}
	}
	return v
}

// normaliseUserMap keeps a user map's keys; with deep, it normalises the
// values (a TaggedAddresses entry is an {address, port} object).
func normaliseUserMap(m map[string]any, deep bool) map[string]any {
	if !deep {
		return m
	}
	for k, val := range m {
		m[k] = normaliseValue(val)
	}
	return m
}
