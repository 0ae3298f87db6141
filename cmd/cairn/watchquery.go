package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
)

// watchParams are the watch flags that choose and shape the query.
type watchParams struct {
	typ     string
	key     string
	prefix  string
	service string
	tag     string
	passing bool
	state   string
	name    string
}

// watchQuery is the blocking query one watch type runs, and how an
// answer becomes the handler's data.
type watchQuery struct {
	path  string
	query url.Values
	// missing is the data for a 404 answer: nil (no result, which does
	// not count as a change from no result) for a single key, "null"
	// for a prefix, as Consul's watches give.
	missing json.RawMessage
	// single takes the one element out of the answer's list (a key).
	single bool
}

// watchTypes are the types cairn watch knows, in usage order.
var watchTypes = []string{"key", "keyprefix", "services", "nodes", "service", "checks", "event"}

// newWatchQuery checks that p names a known type with the flags it
// needs and no flag it would ignore, and builds its query.
func newWatchQuery(p watchParams) (*watchQuery, error) {
	given := map[string]bool{"key": p.key != "", "prefix": p.prefix != "", "service": p.service != "",
		"tag": p.tag != "", "passing": p.passing, "state": p.state != "", "name": p.name != ""}
	var allowed []string
	var q *watchQuery
	switch p.typ {
	case "":
		return nil, fmt.Errorf("Watch type must be specified")
	case "key":
		if p.key == "" {
			return nil, fmt.Errorf("Must specify a single key to watch")
		}
		allowed = []string{"key"}
		q = &watchQuery{path: kvPath(strings.TrimPrefix(p.key, "/")), single: true}
	case "keyprefix":
		if p.prefix == "" {
			return nil, fmt.Errorf("Must specify a single prefix to watch")
		}
		allowed = []string{"prefix"}
		q = &watchQuery{path: kvPath(strings.TrimPrefix(p.prefix, "/")), query: url.Values{"recurse": {""}},
			missing: json.RawMessage("null")}
	case "services":
		q = &watchQuery{path: "/v1/catalog/services"}
	case "nodes":
		q = &watchQuery{path: "/v1/catalog/nodes"}
	case "service":
		if p.service == "" {
			return nil, fmt.Errorf("Must specify a single service to watch")
		}
		allowed = []string{"service", "tag", "passing"}
		q = &watchQuery{path: "/v1/health/service/" + url.PathEscape(p.service), query: url.Values{}}
		if p.tag != "" {
			q.query.Set("tag", p.tag)
		}
		if p.passing {
			q.query.Set("passing", "")
		}
	case "checks":
		q, allowed = checksQuery(p)
		if q == nil {
			return nil, fmt.Errorf("Cannot specify service and state")
		}
	case "event":
		allowed = []string{"name"}
		q = &watchQuery{path: "/v1/event/list", query: url.Values{}}
		if p.name != "" {
			q.query.Set("name", p.name)
		}
	default:
		return nil, fmt.Errorf("Unsupported watch type: %s (want one of %s)", p.typ, strings.Join(watchTypes, ", "))
	}
	for _, name := range []string{"key", "prefix", "service", "tag", "passing", "state", "name"} {
		if given[name] && !slices.Contains(allowed, name) {
			return nil, fmt.Errorf("Invalid parameter for watch type %s: -%s", p.typ, name)
		}
	}
	return q, nil
}

// checksQuery is the checks watch: one service's checks, or the checks
// in a state ("any" when neither is named). It is nil when both are.
func checksQuery(p watchParams) (*watchQuery, []string) {
	allowed := []string{"service", "state"}
	switch {
	case p.service != "" && p.state != "":
		return nil, allowed
	case p.service != "":
		return &watchQuery{path: "/v1/health/checks/" + url.PathEscape(p.service)}, allowed
	}
	state := p.state
	if state == "" {
		state = "any"
	}
	return &watchQuery{path: "/v1/health/state/" + url.PathEscape(state)}, allowed
}

// data turns an answer into the handler's data as compact JSON, or nil
// for no result.
func (q *watchQuery) data(resp *response) (json.RawMessage, error) {
	if resp.code == http.StatusNotFound {
		return q.missing, nil
	}
	body := resp.body
	if q.single {
		var list []json.RawMessage
		if err := decodeJSON(body, &list); err != nil {
			return nil, err
		}
		if len(list) == 0 {
			return nil, nil
		}
		body = list[0]
	}
	var out bytes.Buffer
	if err := json.Compact(&out, body); err != nil {
		return nil, fmt.Errorf("%w: %v", errMalformed, err)
	}
	return out.Bytes(), nil
}
