package config

import (
	"encoding/json"
	"strings"
)

// Watch is one entry of "watches", kept as decoded JSON (strings, bools,
// json.Number, lists and objects) until the watch subsystem interprets it.
// Printing it, in any form, hides the values of keys that mention a token.
type Watch map[string]any

// String renders the watch as JSON with tokens hidden.
func (w Watch) String() string {
	b, err := json.Marshal(redactTokens(map[string]any(w)))
	if err != nil {
		return "(unprintable watch)"
	}
	return string(b)
}

// GoString is the same as String, so %#v does not leak tokens.
func (w Watch) GoString() string { return w.String() }

// MarshalJSON encodes the watch with tokens hidden.
func (w Watch) MarshalJSON() ([]byte, error) {
	return json.Marshal(redactTokens(map[string]any(w)))
}

// redactTokens returns a copy of v in which every object value whose key
// mentions "token" is replaced by "hidden".
func redactTokens(v any) any {
	switch v := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, e := range v {
			if strings.Contains(strings.ToLower(k), "token") {
				out[k] = hidden
				continue
			}
			out[k] = redactTokens(e)
		}
		return out
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			out[i] = redactTokens(e)
		}
		return out
	}
	return v
}
