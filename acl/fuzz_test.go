package acl

import (
	"errors"
	"testing"
)

// FuzzParseRules checks that no rule text makes the parser panic, that every
// rejection wraps ErrInvalidRules, and that whatever parses can be built into
// an authorizer and questioned.
func FuzzParseRules(f *testing.F) {
	for _, seed := range []string{
		sampleHCL, sampleJSON, "", "{}", `key "a" { policy = "read" }`,
		`operator = "write"`, `{"key": [{"a": {"policy": "read"}}]}`,
		"key \"a\" { policy = <<EOT\nread\nEOT\n}", `key "\x" { policy = "read" }`,
		`key_prefix { "" { policy = "write" } }`,
		`service "${var}" { policy = "read" }`, `{"operator": null}`, `key = [1, 2]`,
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, text string) {
		rs, err := ParseRules(text)
		if err != nil {
			if !errors.Is(err, ErrInvalidRules) {
				t.Fatalf("error %v does not wrap ErrInvalidRules", err)
			}
			return
		}
		a := NewAuthorizer(DefaultDeny, rs)
		for _, r := range rs.Rules {
			a.KeyRead(r.Name)
			a.KeyWritePrefix(r.Name)
		}
	})
}
