package metrics

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
)

// parseSampleLine reads `name{label="value",...} value`. The format allows
// a timestamp after the value; cairn never writes one, so it is refused.
func parseSampleLine(line string) (expoSample, error) {
	var s expoSample
	i := 0
	for i < len(line) && strings.IndexByte(":_abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", line[i]) >= 0 {
		i++
	}
	s.name = line[:i]
	if !validMetricName(s.name) {
		return s, fmt.Errorf("invalid metric name %q", s.name)
	}
	rest := line[i:]
	if strings.HasPrefix(rest, "{") {
		var err error
		if s.labels, rest, err = parseLabels(rest[1:]); err != nil {
			return s, err
		}
	}
	value, ok := strings.CutPrefix(rest, " ")
	if !ok {
		return s, fmt.Errorf("want one space before the value")
	}
	if strings.Contains(value, " ") {
		return s, fmt.Errorf("a timestamp or extra token after the value")
	}
	v, err := strconv.ParseFloat(value, 64)
	if err != nil {
		return s, fmt.Errorf("value: %w", err)
	}
	s.value = v
	return s, nil
}

// parseLabels reads `name="value",...}` (the opening brace already read)
// and returns the labels and what follows the closing brace. At least one
// label is required; a comma before the brace is allowed.
func parseLabels(s string) ([][2]string, string, error) {
	var labels [][2]string
	for {
		eq := strings.Index(s, `="`)
		if eq < 0 {
			return nil, "", fmt.Errorf("label without =\"")
		}
		name := s[:eq]
		if !validLabelName(name) {
			return nil, "", fmt.Errorf("invalid label name %q", name)
		}
		for _, l := range labels {
			if l[0] == name {
				return nil, "", fmt.Errorf("label %s twice", name)
			}
		}
		value, rest, err := readQuoted(s[eq+2:])
		if err != nil {
			return nil, "", fmt.Errorf("label %s: %w", name, err)
		}
		labels = append(labels, [2]string{name, value})
		switch {
		case strings.HasPrefix(rest, "}"):
			return labels, rest[1:], nil
		case strings.HasPrefix(rest, ",}"):
			return labels, rest[2:], nil
		case strings.HasPrefix(rest, ","):
			s = rest[1:]
		default:
			return nil, "", fmt.Errorf("want , or } after label %s", name)
		}
	}
}

// readQuoted reads an escaped label value up to its closing double quote
// and returns the unescaped value and what follows the quote.
func readQuoted(s string) (string, string, error) {
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++
		case '"':
			value, err := unescape(s[:i], true)
			return value, s[i+1:], err
		}
	}
	return "", "", fmt.Errorf("unterminated label value")
}

// unescape undoes the format's escapes: \\ and \n everywhere, and \" in
// label values. Any other backslash sequence is an error.
func unescape(s string, quoted bool) (string, error) {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '"' && quoted {
			return "", fmt.Errorf("unescaped double quote")
		}
		if c != '\\' {
			b.WriteByte(c)
			continue
		}
		i++
		switch {
		case i == len(s):
			return "", fmt.Errorf("backslash at the end")
		case s[i] == '\\':
			b.WriteByte('\\')
		case s[i] == 'n':
			b.WriteByte('\n')
		case s[i] == '"' && quoted:
			b.WriteByte('"')
		default:
			return "", fmt.Errorf("unknown escape \\%c", s[i])
		}
	}
	return b.String(), nil
}

// seriesIdentity names a sample line by its name and label set, whatever
// the order its labels were written in.
func seriesIdentity(s expoSample) string {
	labels := slices.Clone(s.labels)
	slices.SortFunc(labels, func(a, b [2]string) int { return strings.Compare(a[0], b[0]) })
	return fmt.Sprintf("%q%q", s.name, labels)
}

// checkHistogram checks that a histogram family is a run of complete
// series, sorted by their label values.
func checkHistogram(f *expoFamily) error {
	var prev []string
	for rest := f.samples; len(rest) > 0; {
		n, err := checkHistogramSeries(f.name, rest)
		if err != nil {
			return err
		}
		values := labelValues(rest[0])
		if prev != nil && slices.Compare(prev, values) >= 0 {
			return fmt.Errorf("series %v does not sort after %v", values, prev)
		}
		prev = values
		rest = rest[n:]
	}
	return nil
}

// checkHistogramSeries checks one series at the start of s: buckets with
// strictly increasing "le" bounds and non-decreasing cumulative counts,
// ending with le="+Inf", then _sum, then _count equal to the +Inf bucket.
// It returns how many samples the series took.
func checkHistogramSeries(name string, s []expoSample) (int, error) {
	values := labelValues(s[0])
	bound, count, n := math.Inf(-1), 0.0, 0
	for ; n < len(s) && s[n].name == name+"_bucket"; n++ {
		if !slices.Equal(labelValues(s[n]), values) {
			return 0, fmt.Errorf("bucket of series %v inside series %v", labelValues(s[n]), values)
		}
		le, ok := s[n].label("le")
		if !ok {
			return 0, fmt.Errorf("bucket without le")
		}
		b, err := strconv.ParseFloat(le, 64)
		if err != nil || b <= bound {
			return 0, fmt.Errorf("bucket bound %q is not a number above %v", le, bound)
		}
		if s[n].value < count {
			return 0, fmt.Errorf("bucket le=%q counts %v, fewer than the one before", le, s[n].value)
		}
		bound, count = b, s[n].value
	}
	if n == 0 || !math.IsInf(bound, 1) {
		return 0, fmt.Errorf("series %v has no +Inf bucket before its sum", values)
	}
	if len(s) < n+2 || s[n].name != name+"_sum" || s[n+1].name != name+"_count" {
		return 0, fmt.Errorf("series %v: want _sum then _count after the buckets", values)
	}
	for _, t := range s[n : n+2] {
		if _, hasLe := t.label("le"); hasLe || !slices.Equal(labelValues(t), values) {
			return 0, fmt.Errorf("%s has labels %v, want those of series %v", t.name, t.labels, values)
		}
	}
	if s[n+1].value != count {
		return 0, fmt.Errorf("series %v: _count %v differs from the +Inf bucket %v", values, s[n+1].value, count)
	}
	return n + 2, nil
}
