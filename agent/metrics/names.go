package metrics

import (
	"fmt"
	"strings"
)

// validMetricName reports whether s matches [a-zA-Z_:][a-zA-Z0-9_:]*, the
// metric name rule of the Prometheus data model.
func validMetricName(s string) bool {
	return validName(s, true)
}

// validLabelName reports whether s matches [a-zA-Z_][a-zA-Z0-9_]* and does
// not start with "__", which Prometheus reserves for its own labels.
func validLabelName(s string) bool {
	return validName(s, false) && !strings.HasPrefix(s, "__")
}

// validName checks the shared shape of metric and label names: a letter or
// underscore first, then letters, digits and underscores; colons are allowed
// anywhere in metric names only.
func validName(s string, colon bool) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c == '_':
		case c == ':' && colon:
		case c >= '0' && c <= '9' && i > 0:
		default:
			return false
		}
	}
	return true
}

// fullName joins the registry prefix and a metric name with an underscore,
// as Consul does ("consul" + "raft_apply" = "consul_raft_apply"). The name
// must be valid on its own, so that it stays valid under any prefix.
func fullName(prefix, name string) string {
	if !validMetricName(name) {
		panic(fmt.Sprintf("metrics: invalid metric name %q", name))
	}
	if prefix == "" {
		return name
	}
	return prefix + "_" + name
}

// checkLabelNames panics unless every label name is valid, distinct, and not
// reserved by the metric's type ("le" belongs to histogram buckets).
func checkLabelNames(metric string, labelNames []string, reserved string) {
	for i, l := range labelNames {
		if !validLabelName(l) || l == reserved {
			panic(fmt.Sprintf("metrics: %s: invalid label name %q", metric, l))
		}
		for _, earlier := range labelNames[:i] {
			if earlier == l {
				panic(fmt.Sprintf("metrics: %s: duplicate label name %q", metric, l))
			}
		}
	}
}
