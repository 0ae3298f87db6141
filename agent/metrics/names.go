package metrics

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// Metric names are written in the code the way Consul's telemetry writes
// them: dot-separated parts ("raft.commitTime", "api.http"). The JSON
// summary shows them so, under the prefix ("consul.raft.commitTime"); the
// Prometheus exposition joins the parts with underscores, since a
// Prometheus name may not hold a dot ("consul_raft_commitTime"). This is
// what Consul's go-metrics sinks do too, so dashboards built for Consul
// find cairn's figures under the same names.

// validPart reports whether s matches [a-zA-Z_][a-zA-Z0-9_]*: one part of
// a dotted metric name, or a label name.
func validPart(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c == '_':
		case c >= '0' && c <= '9' && i > 0:
		default:
			return false
		}
	}
	return true
}

// ValidName reports whether name is one or more parts joined by dots,
// each matching [a-zA-Z_][a-zA-Z0-9_]*: a metric name or prefix this
// package accepts. A prefix read from a configuration file is checked with
// it before it reaches NewRegistry.
func ValidName(name string) bool {
	for _, part := range strings.Split(name, ".") {
		if !validPart(part) {
			return false
		}
	}
	return true
}

// checkName panics unless name is valid. Names are written in the code,
// so a bad one is a programmer error.
func checkName(name string) {
	if !ValidName(name) {
		panic(fmt.Sprintf("metrics: invalid metric name %q", name))
	}
}

// checkLabelNames panics unless every label name is valid, distinct, not
// reserved by Prometheus ("__" prefix) and not "le", which histogram
// buckets use.
func checkLabelNames(name string, labelNames []string) {
	for i, l := range labelNames {
		if !validPart(l) || strings.HasPrefix(l, "__") || l == "le" {
			panic(fmt.Sprintf("metrics: %s: invalid label name %q", name, l))
		}
		for _, earlier := range labelNames[:i] {
			if earlier == l {
				panic(fmt.Sprintf("metrics: %s: duplicate label name %q", name, l))
			}
		}
	}
}

// joinName puts the prefix before a dotted name with sep between every
// part: "." for the JSON summary, "_" for Prometheus.
func joinName(prefix, name, sep string) string {
	if prefix != "" {
		name = prefix + "." + name
	}
	return strings.ReplaceAll(name, ".", sep)
}

// cleanLabelValues replaces invalid UTF-8 in label values, which may come
// from users (service and node names); the Prometheus client refuses such
// values with a panic, and nothing from a user may make the agent panic.
func cleanLabelValues(values []string) []string {
	for i, v := range values {
		if !utf8.ValidString(v) {
			out := make([]string, len(values))
			copy(out, values)
			for j := i; j < len(out); j++ {
				out[j] = strings.ToValidUTF8(out[j], "\uFFFD")
			}
			return out
		}
	}
	return values
}
