package metrics

import (
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"
)

// This file holds a strict reader of the text exposition format 0.0.4,
// written from the format's description, so that tests can check that
// every line cairn writes is well-formed. It checks the format's rules
// (line syntax, names, escapes, HELP and TYPE placement and uniqueness,
// contiguous families, unique series, histogram conventions) and also the
// promises this package makes beyond them (every family typed, families
// and series sorted, no timestamps, no blank or comment lines).

// expoSample is one parsed sample line.
type expoSample struct {
	name   string
	labels [][2]string // in the order written, values unescaped
	value  float64
}

// label returns the value of the named label and whether it is present.
func (s expoSample) label(name string) (string, bool) {
	for _, l := range s.labels {
		if l[0] == name {
			return l[1], true
		}
	}
	return "", false
}

// expoFamily is one parsed metric family.
type expoFamily struct {
	name, help, typ string
	hasHelp         bool
	samples         []expoSample
}

// parseExposition reads a whole exposition and returns its families, or
// the first rule it breaks, naming the line.
func parseExposition(text string) ([]expoFamily, error) {
	if text == "" {
		return nil, nil
	}
	if !strings.HasSuffix(text, "\n") {
		return nil, fmt.Errorf("the last line does not end with a line feed")
	}
	if !utf8.ValidString(text) {
		return nil, fmt.Errorf("the exposition is not valid UTF-8")
	}
	p := &expoParser{seen: map[string]bool{}, series: map[string]bool{}}
	for i, line := range strings.Split(strings.TrimSuffix(text, "\n"), "\n") {
		if err := p.line(line); err != nil {
			return nil, fmt.Errorf("line %d %q: %w", i+1, line, err)
		}
	}
	if err := p.closeFamily(); err != nil {
		return nil, fmt.Errorf("family %s: %w", p.cur.name, err)
	}
	return p.families, nil
}

// expoParser is the reader's state between lines.
type expoParser struct {
	families []expoFamily
	cur      *expoFamily
	seen     map[string]bool // family names already opened
	series   map[string]bool // sample name + labels already written
}

// line reads one line.
func (p *expoParser) line(line string) error {
	if line == "" {
		return fmt.Errorf("blank line")
	}
	if line != strings.Trim(line, " \t") {
		return fmt.Errorf("leading or trailing blank or tab")
	}
	if strings.HasPrefix(line, "# HELP ") {
		name, doc, _ := strings.Cut(strings.TrimPrefix(line, "# HELP "), " ")
		return p.help(name, doc)
	}
	if strings.HasPrefix(line, "# TYPE ") {
		fields := strings.Split(strings.TrimPrefix(line, "# TYPE "), " ")
		if len(fields) != 2 {
			return fmt.Errorf("TYPE wants exactly a name and a type")
		}
		return p.typ(fields[0], fields[1])
	}
	if strings.HasPrefix(line, "#") {
		return fmt.Errorf("a comment other than HELP or TYPE")
	}
	s, err := parseSampleLine(line)
	if err != nil {
		return err
	}
	return p.sample(s)
}

// open returns the family that a HELP or TYPE line for name belongs to,
// opening a new one when name differs from the current family.
func (p *expoParser) open(name string) (*expoFamily, error) {
	if !validMetricName(name) {
		return nil, fmt.Errorf("invalid metric name %q", name)
	}
	if p.cur != nil && p.cur.name == name {
		if len(p.cur.samples) > 0 {
			return nil, fmt.Errorf("HELP or TYPE after the family's first sample")
		}
		return p.cur, nil
	}
	if p.cur != nil {
		if err := p.closeFamily(); err != nil {
			return nil, fmt.Errorf("family %s: %w", p.cur.name, err)
		}
		if name <= p.cur.name {
			return nil, fmt.Errorf("family %s does not sort after %s", name, p.cur.name)
		}
	}
	if p.seen[name] {
		return nil, fmt.Errorf("family %s appears in two groups", name)
	}
	p.seen[name] = true
	p.families = append(p.families, expoFamily{name: name})
	p.cur = &p.families[len(p.families)-1]
	return p.cur, nil
}

// help reads a HELP line.
func (p *expoParser) help(name, doc string) error {
	f, err := p.open(name)
	if err != nil {
		return err
	}
	if f.hasHelp {
		return fmt.Errorf("second HELP for %s", name)
	}
	if f.help, err = unescape(doc, false); err != nil {
		return err
	}
	f.hasHelp = true
	return nil
}

// typ reads a TYPE line.
func (p *expoParser) typ(name, typ string) error {
	f, err := p.open(name)
	if err != nil {
		return err
	}
	if f.typ != "" {
		return fmt.Errorf("second TYPE for %s", name)
	}
	if !slices.Contains([]string{"counter", "gauge", "histogram", "summary", "untyped"}, typ) {
		return fmt.Errorf("unknown type %q", typ)
	}
	f.typ = typ
	return nil
}

// sample adds a sample line to the current family after checking that it
// belongs there and is not a repeat.
func (p *expoParser) sample(s expoSample) error {
	if p.cur == nil || p.cur.typ == "" {
		return fmt.Errorf("sample before its family's TYPE line")
	}
	allowed := []string{p.cur.name}
	if p.cur.typ == "histogram" {
		allowed = []string{p.cur.name + "_bucket", p.cur.name + "_sum", p.cur.name + "_count"}
	}
	if !slices.Contains(allowed, s.name) {
		return fmt.Errorf("sample %s does not belong to family %s (%s)", s.name, p.cur.name, p.cur.typ)
	}
	key := seriesIdentity(s)
	if p.series[key] {
		return fmt.Errorf("repeated series")
	}
	p.series[key] = true
	if p.cur.typ == "counter" && !(s.value >= 0) {
		return fmt.Errorf("counter value %v is negative or NaN", s.value)
	}
	p.cur.samples = append(p.cur.samples, s)
	return nil
}

// closeFamily checks the rules that need the whole family: there is one,
// its series are sorted, and a histogram's series are complete.
func (p *expoParser) closeFamily() error {
	f := p.cur
	if f == nil {
		return nil
	}
	if len(f.samples) == 0 {
		return fmt.Errorf("family without samples")
	}
	if f.typ == "histogram" {
		return checkHistogram(f)
	}
	for i := 1; i < len(f.samples); i++ {
		if slices.Compare(labelValues(f.samples[i-1]), labelValues(f.samples[i])) >= 0 {
			return fmt.Errorf("series %v does not sort after %v", f.samples[i].labels, f.samples[i-1].labels)
		}
	}
	return nil
}

// labelValues lists a sample's label values apart from "le".
func labelValues(s expoSample) []string {
	var out []string
	for _, l := range s.labels {
		if l[0] != "le" {
			out = append(out, l[1])
		}
	}
	return out
}
