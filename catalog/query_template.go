package catalog

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// QueryResolve finds the query a client names, as Consul resolves it: the
// query with that ID; else the query of exactly that name; else the
// template whose name is the longest prefix of it. A template comes back
// rendered for the name asked (see renderQuery); any other query comes
// back as stored. It returns nil when nothing matches, and an error when
// a template cannot be rendered.
func (s *State) QueryResolve(ws *WatchSet, idOrName string) (uint64, *PreparedQuery, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	s.watch(ws, watchKey{kind: watchTable, name: tableQueries})
	idx := s.answer(s.db.tableIndex[tableQueries])
	q, full := s.resolveQuery(idOrName)
	if q == nil || q.Template.Type == "" {
		return idx, q, nil
	}
	out, err := renderQuery(q, full)
	return idx, out, err
}

// resolveQuery returns the query idOrName names and the name to render it
// for.
func (s *State) resolveQuery(idOrName string) (*PreparedQuery, string) {
	if q, ok := s.db.queries.get(idOrName); ok {
		return q, q.Name
	}
	if idOrName == "" {
		return nil, ""
	}
	if id, ok := s.db.queryNames.get(idOrName); ok {
		return s.db.queries.at(id), idOrName
	}
	var best *PreparedQuery
	for id := range s.db.queries.all() {
		q := s.db.queries.at(id)
		if q.Template.Type == TemplateNamePrefixMatch && strings.HasPrefix(idOrName, q.Name) &&
			(best == nil || len(q.Name) > len(best.Name)) {
			best = q
		}
	}
	return best, idOrName
}

// renderQuery fills a template's Service fields in for the name full:
// ${name.full} is full, ${name.prefix} the template's name, ${name.suffix}
// the rest of full, and ${match(N)} the Nth group of Template.Regexp
// matched against full (empty when it does not match). With
// RemoveEmptyTags, tags that render empty are dropped. The stored query is
// not changed.
func renderQuery(tmpl *PreparedQuery, full string) (*PreparedQuery, error) {
	vars := templateVars{full: full, prefix: tmpl.Name, suffix: strings.TrimPrefix(full, tmpl.Name)}
	if tmpl.Template.Regexp != "" {
		re, err := regexp.Compile(tmpl.Template.Regexp)
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrBadQueryTemplate, err)
		}
		vars.matches = re.FindStringSubmatch(full)
	}
	q := *tmpl
	svc := &q.Service
	var err error
	fill := func(s string) string {
		out, e := vars.interpolate(s)
		if e != nil && err == nil {
			err = e
		}
		return out
	}
	svc.Service = fill(svc.Service)
	svc.Near = fill(svc.Near)
	svc.Tags = fillAll(svc.Tags, fill)
	if q.Template.RemoveEmptyTags {
		svc.Tags = slices.DeleteFunc(svc.Tags, func(t string) bool { return t == "" })
	}
	svc.IgnoreCheckIDs = fillAll(svc.IgnoreCheckIDs, fill)
	svc.Failover.Datacenters = fillAll(svc.Failover.Datacenters, fill)
	svc.NodeMeta = fillValues(svc.NodeMeta, fill)
	svc.ServiceMeta = fillValues(svc.ServiceMeta, fill)
	if err != nil {
		return nil, err
	}
	return &q, nil
}

func fillAll(in []string, fill func(string) string) []string {
	if in == nil {
		return nil
	}
	out := make([]string, len(in))
	for i, s := range in {
		out[i] = fill(s)
	}
	return out
}

// fillValues renders the values of m, key by key in order, so that the
// first error reported does not depend on map order.
func fillValues(m map[string]string, fill func(string) string) map[string]string {
	if m == nil {
		return nil
	}
	out := make(map[string]string, len(m))
	for _, k := range slices.Sorted(maps.Keys(m)) {
		out[k] = fill(m[k])
	}
	return out
}

// templateVars are the values a template's ${...} expressions read.
type templateVars struct {
	full, prefix, suffix string
	matches              []string
}

// interpolate replaces every ${expr} of s. An unknown expression or an
// unclosed ${ is an error.
func (v templateVars) interpolate(s string) (string, error) {
	var b strings.Builder
	for {
		start := strings.Index(s, "${")
		if start < 0 {
			b.WriteString(s)
			return b.String(), nil
		}
		end := strings.IndexByte(s[start:], '}')
		if end < 0 {
			return "", fmt.Errorf("%w: unclosed ${ in %q", ErrBadQueryTemplate, s)
		}
		val, err := v.value(strings.TrimSpace(s[start+2 : start+end]))
		if err != nil {
			return "", err
		}
		b.WriteString(s[:start])
		b.WriteString(val)
		s = s[start+end+1:]
	}
}

// value evaluates one template expression.
func (v templateVars) value(expr string) (string, error) {
	switch expr {
	case "name.full":
		return v.full, nil
	case "name.prefix":
		return v.prefix, nil
	case "name.suffix":
		return v.suffix, nil
	}
	if arg, ok := strings.CutPrefix(expr, "match("); ok {
		if arg, ok = strings.CutSuffix(arg, ")"); ok {
			n, err := strconv.Atoi(strings.TrimSpace(arg))
			if err == nil && n >= 0 {
				if n < len(v.matches) {
					return v.matches[n], nil
				}
				return "", nil
			}
		}
	}
	return "", fmt.Errorf("%w: unknown expression ${%s}", ErrBadQueryTemplate, expr)
}
