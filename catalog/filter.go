package catalog

import (
	"fmt"
	"strings"

	"github.com/hashicorp/go-bexpr"
)

// filter is a compiled ?filter= expression in go-bexpr's language, the one
// Consul uses: selectors are the result rows' field names
// (Service.Meta.version, "web" in Service.Tags), combined with and, or,
// not, and the operators ==, !=, in, not in, contains, matches, is empty.
// A nil *filter matches everything.
type filter struct {
	eval *bexpr.Evaluator
}

// compileFilter parses expr and checks its selectors against sample, a
// value of the row type it will be evaluated on. An empty expr gives a nil
// filter. Errors wrap ErrBadFilter, which the HTTP layer turns into 400.
func compileFilter(expr string, sample any) (*filter, error) {
	if strings.TrimSpace(expr) == "" {
		return nil, nil
	}
	eval, err := bexpr.CreateEvaluator(expr)
	if err != nil {
		return nil, fmt.Errorf("%w: %q: %w", ErrBadFilter, expr, err)
	}
	f := &filter{eval: eval}
	if _, err := f.match(filled(sample)); err != nil {
		return nil, err
	}
	return f, nil
}

// filled returns sample with its pointer fields set to empty rows, so that
// selector checking walks into them.
func filled(sample any) any {
	if e, ok := sample.(CheckServiceNode); ok {
		e.Node, e.Service = &Node{}, &Service{}
		return &e
	}
	return sample
}

// match evaluates the filter on one row.
func (f *filter) match(row any) (bool, error) {
	if f == nil {
		return true, nil
	}
	ok, err := f.eval.Evaluate(row)
	if err != nil {
		return false, fmt.Errorf("%w: %q: %w", ErrBadFilter, f.eval.Expression(), err)
	}
	return ok, nil
}

// filterRows returns the rows that f matches, in order.
func filterRows[T any](f *filter, rows []T) ([]T, error) {
	if f == nil {
		return rows, nil
	}
	var out []T
	for _, row := range rows {
		ok, err := f.match(row)
		if err != nil {
			return nil, err
		}
		if ok {
			out = append(out, row)
		}
	}
	return out, nil
}
