package config

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
)

// ErrInvalid is matched (errors.Is) by every configuration error.
var ErrInvalid = errors.New("invalid configuration")

// Error is a configuration error: the source that set the offending value
// (a file, "command-line flags", or "" for a problem of the merged whole),
// the key path ("ports.http", "services[0].checks[1].interval") and what is
// wrong. Msg never contains a secret's value.
type Error struct {
	Source string
	Key    string
	Msg    string
}

// Error renders "config: SOURCE: KEY: MSG", leaving out empty parts.
func (e *Error) Error() string {
	s := "config: "
	if e.Source != "" {
		s += e.Source + ": "
	}
	if e.Key != "" {
		s += e.Key + ": "
	}
	return s + e.Msg
}

// Is makes every *Error match ErrInvalid.
func (e *Error) Is(target error) bool { return target == ErrInvalid }

// keyErr builds an error for key path at; the loader fills in the source.
func keyErr(at, format string, args ...any) *Error {
	return &Error{Key: at, Msg: fmt.Sprintf(format, args...)}
}

// A rule checks one decoded JSON value (what encoding/json produces with
// UseNumber: map[string]any, []any, string, json.Number, bool or nil) found
// at key path at, and stores it into dst. Rules are the schema: a key
// without a rule is unknown.
type rule[T any] func(dst T, v any, at string) error

// object is the rule for a JSON object whose keys each have a rule. Keys
// are visited in sorted order so that the first error reported is stable.
type object[T any] map[string]rule[T]

func (o object[T]) rule() rule[T] {
	return func(dst T, v any, at string) error {
		m, ok := v.(map[string]any)
		if !ok {
			return mismatch(at, "an object", v)
		}
		for _, k := range sortedKeys(m) {
			r, ok := o[k]
			if !ok {
				return keyErr(child(at, k), "unknown key%s", o.suggest(k))
			}
			if err := r(dst, m[k], child(at, k)); err != nil {
				return err
			}
		}
		return nil
	}
}

// suggest returns a hint naming the known key closest to an unknown one
// (by edit distance, at most 2), or "". Long names get no hint, which keeps
// the quadratic distance cheap.
func (o object[T]) suggest(unknown string) string {
	if len(unknown) > 64 {
		return ""
	}
	best, bestDist := "", 3
	for _, k := range sortedKeys(o) {
		if d := editDistance(strings.ToLower(unknown), k); d < bestDist {
			best, bestDist = k, d
		}
	}
	if best == "" {
		return ""
	}
	return fmt.Sprintf(" (did you mean %q?)", best)
}

// editDistance is the Levenshtein distance between a and b.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur := make([]int, len(b)+1)
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(b)]
}

// sortedKeys returns m's keys in order, so that walks over decoded
// objects, and the first error they report, do not depend on map order.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// child joins a key path and a key.
func child(at, key string) string {
	if at == "" {
		return key
	}
	return at + "." + key
}

// index joins a key path and a list index.
func index(at string, i int) string { return at + "[" + strconv.Itoa(i) + "]" }

// describe renders a decoded value for an error message.
func describe(v any) string {
	switch v := v.(type) {
	case nil:
		return "null"
	case string:
		return strconv.Quote(v)
	case json.Number:
		return v.String()
	case bool:
		return strconv.FormatBool(v)
	case []any:
		return "a list"
	case map[string]any:
		return "an object"
	}
	return fmt.Sprintf("%T", v)
}

// mismatch is the error for a value of the wrong type.
func mismatch(at, want string, v any) error {
	return keyErr(at, "must be %s, got %s", want, describe(v))
}

// withMsg turns a setter's plain error into a key error at at.
func withMsg(at string, err error) error {
	if err == nil {
		return nil
	}
	var ke *Error
	if errors.As(err, &ke) {
		return err
	}
	return keyErr(at, "%s", err.Error())
}

// stringRule accepts a JSON string.
func stringRule[T any](set func(T, string) error) rule[T] {
	return func(dst T, v any, at string) error {
		s, ok := v.(string)
		if !ok {
			return mismatch(at, "a string", v)
		}
		return withMsg(at, set(dst, s))
	}
}

// secretRule accepts a JSON string holding a secret (or a Secret, as the
// flag layer stores one); no error echoes it.
func secretRule[T any](set func(T, Secret) error) rule[T] {
	return func(dst T, v any, at string) error {
		switch s := v.(type) {
		case string:
			return withMsg(at, set(dst, Secret(s)))
		case Secret:
			return withMsg(at, set(dst, s))
		}
		return keyErr(at, "must be a string")
	}
}

// boolRule accepts true or false.
func boolRule[T any](set func(T, bool)) rule[T] {
	return func(dst T, v any, at string) error {
		b, ok := v.(bool)
		if !ok {
			return mismatch(at, "true or false", v)
		}
		set(dst, b)
		return nil
	}
}

// asInt returns v as an int when it is a JSON integer that fits.
func asInt(v any) (int, bool) {
	n, ok := v.(json.Number)
	if !ok {
		return 0, false
	}
	i, err := n.Int64()
	if err != nil || i < math.MinInt32 || i > math.MaxInt32 {
		return 0, false
	}
	return int(i), true
}

// intRule accepts an integer in [lo, hi].
func intRule[T any](lo, hi int, set func(T, int)) rule[T] {
	return func(dst T, v any, at string) error {
		i, ok := asInt(v)
		if !ok || i < lo || i > hi {
			return mismatch(at, fmt.Sprintf("an integer %d-%d", lo, hi), v)
		}
		set(dst, i)
		return nil
	}
}

// portRule accepts a port 0-65535 (0: pick a free one) and, when
// disableable, -1 to turn the listener off.
func portRule[T any](disableable bool, set func(T, int)) rule[T] {
	return func(dst T, v any, at string) error {
		i, ok := asInt(v)
		switch {
		case ok && i == -1 && disableable:
		case ok && i == -1:
			return keyErr(at, "cannot be disabled (-1)")
		case !ok || i < 0 || i > 65535:
			return mismatch(at, "an integer port 0-65535", v)
		}
		set(dst, i)
		return nil
	}
}

// durationRule accepts a Go duration string ("10s", "1m30s"). A plain JSON
// number is read as nanoseconds when numbers is set (as Consul does for
// check and service definitions); 0 is accepted everywhere.
func durationRule[T any](numbers bool, set func(T, time.Duration)) rule[T] {
	return func(dst T, v any, at string) error {
		d, err := parseDuration(v, numbers)
		if err != nil {
			return keyErr(at, "%s", err.Error())
		}
		if d < 0 {
			return keyErr(at, "must not be negative, got %s", describe(v))
		}
		set(dst, d)
		return nil
	}
}

// parseDuration decodes a duration string or, if allowed, a number.
func parseDuration(v any, numbers bool) (time.Duration, error) {
	bad := fmt.Errorf("must be a duration such as \"10s\", got %s", describe(v))
	switch v := v.(type) {
	case string:
		d, err := time.ParseDuration(v)
		if err != nil {
			return 0, bad
		}
		return d, nil
	case json.Number:
		i, err := v.Int64()
		if err != nil || (!numbers && i != 0) {
			return 0, bad
		}
		return time.Duration(i), nil
	}
	return 0, bad
}

// stringListRule accepts a list of strings (or, like Consul, one string).
func stringListRule[T any](set func(T, []string) error) rule[T] {
	return func(dst T, v any, at string) error {
		if s, ok := v.(string); ok {
			return withMsg(at, set(dst, []string{s}))
		}
		list, ok := v.([]any)
		if !ok {
			return mismatch(at, "a list of strings", v)
		}
		out := make([]string, 0, len(list))
		for i, e := range list {
			s, ok := e.(string)
			if !ok {
				return mismatch(index(at, i), "a string", e)
			}
			out = append(out, s)
		}
		return withMsg(at, set(dst, out))
	}
}

// stringMapRule accepts an object of string values.
func stringMapRule[T any](set func(T, map[string]string)) rule[T] {
	return func(dst T, v any, at string) error {
		m, ok := v.(map[string]any)
		if !ok {
			return mismatch(at, "an object of strings", v)
		}
		out := make(map[string]string, len(m))
		for _, k := range sortedKeys(m) {
			e := m[k]
			s, ok := e.(string)
			if !ok {
				return mismatch(child(at, k), "a string", e)
			}
			out[k] = s
		}
		set(dst, out)
		return nil
	}
}

// listOf accepts a list whose elements each follow elem, or one element on
// its own; new builds a fresh element and add keeps it once checked.
func listOf[T, E any](newElem func() E, elem rule[E], add func(T, E, string) error) rule[T] {
	return func(dst T, v any, at string) error {
		list, ok := v.([]any)
		if !ok {
			return mismatch(at, "a list of objects", v)
		}
		for i, item := range list {
			e := newElem()
			if err := elem(e, item, index(at, i)); err != nil {
				return err
			}
			if err := add(dst, e, index(at, i)); err != nil {
				return err
			}
		}
		return nil
	}
}

// single accepts one object following elem.
func single[T, E any](newElem func() E, elem rule[E], add func(T, E, string) error) rule[T] {
	return func(dst T, v any, at string) error {
		e := newElem()
		if err := elem(e, v, at); err != nil {
			return err
		}
		return add(dst, e, at)
	}
}
