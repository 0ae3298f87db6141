package lincheck

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/anishathalye/porcupine"
)

// kvState is the model's state: the value of every key that exists. It is
// never modified once built; a step that writes returns a copy.
type kvState map[string]string

// at names the key and ModifyIndex a revealed value belongs to.
type at struct {
	key   string
	index uint64
}

// kvModel is the model of one history: values stands for the ModifyIndexes
// the history revealed (see the package documentation).
type kvModel struct {
	values map[at]string
}

// porcupine returns the porcupine model.
func (m *kvModel) porcupine() porcupine.Model {
	return porcupine.Model{
		Partition: partitionByKeys,
		Init:      func() any { return kvState{} },
		Step: func(state, input, output any) (bool, any) {
			return m.step(state.(kvState), input.(Op), output)
		},
		Equal: func(a, b any) bool { return maps.Equal(a.(kvState), b.(kvState)) },
		DescribeOperation: func(input, output any) string {
			return fmt.Sprintf("%s → %s", input.(Op), describeOutput(input.(Op), output))
		},
		DescribeState: func(state any) string { return describeState(state.(kvState)) },
	}
}

// step reports whether op answering output is legal in state, and the
// state after it.
func (m *kvModel) step(state kvState, op Op, output any) (bool, any) {
	out, known := output.(Outcome)
	switch op.Kind {
	case Get:
		value, found := state[op.Key]
		return !known || (out.Entry.Found == found && (!found || out.Entry.Value == value)), state
	case Put:
		return !known || out.OK, with(state, op.Key, op.Value)
	case CAS:
		holds := m.indexIs(state, op.Key, op.Index)
		if known && out.OK != holds {
			return false, state
		}
		if holds {
			return true, with(state, op.Key, op.Value)
		}
		return true, state
	}
	return m.stepTxn(state, op, out, known)
}

// stepTxn runs a transaction on a copy of state: all of it applies or,
// if one operation fails, none.
func (m *kvModel) stepTxn(state kvState, op Op, out Outcome, known bool) (bool, any) {
	next := maps.Clone(state)
	reads := make([]Entry, len(op.Ops))
	committed := true
	for i, t := range op.Ops {
		value, found := next[t.Key]
		switch t.Verb {
		case VerbGet:
			committed = committed && found
			reads[i] = Entry{Found: found, Value: value}
		case VerbCheckIndex:
			committed = committed && t.Index != 0 && m.indexIs(next, t.Key, t.Index)
		case VerbCAS:
			if !m.indexIs(next, t.Key, t.Index) {
				committed = false
				continue
			}
			next[t.Key] = t.Value
		case VerbSet:
			next[t.Key] = t.Value
		}
	}
	if known && out.OK != committed {
		return false, state
	}
	if !committed {
		return true, state
	}
	if known && !readsMatch(op, reads, out.Entries) {
		return false, state
	}
	return true, next
}

// readsMatch reports whether the values a committed transaction's gets
// returned are the model's.
func readsMatch(op Op, model, got []Entry) bool {
	if len(got) != len(op.Ops) {
		return false
	}
	for i, t := range op.Ops {
		if t.Verb == VerbGet && (got[i].Value != model[i].Value || !got[i].Found) {
			return false
		}
	}
	return true
}

// indexIs reports whether key's ModifyIndex in state is index: with index
// 0, whether the key does not exist; otherwise whether it holds the value
// written at index.
func (m *kvModel) indexIs(state kvState, key string, index uint64) bool {
	value, found := state[key]
	if index == 0 {
		return !found
	}
	want, ok := m.values[at{key, index}]
	return ok && found && value == want
}

// with returns a copy of state in which key holds value.
func with(state kvState, key, value string) kvState {
	next := maps.Clone(state)
	next[key] = value
	return next
}

// partitionByKeys splits a history into groups of operations connected by
// the keys they touch, in order of each group's first operation.
func partitionByKeys(history []porcupine.Operation) [][]porcupine.Operation {
	parent := map[string]string{}
	var find func(string) string
	find = func(k string) string {
		p, ok := parent[k]
		if !ok || p == k {
			parent[k] = k
			return k
		}
		root := find(p)
		parent[k] = root
		return root
	}
	for _, op := range history {
		keys := op.Input.(Op).keys()
		for _, k := range keys[1:] {
			parent[find(k)] = find(keys[0])
		}
	}
	groups := map[string]int{}
	var out [][]porcupine.Operation
	for _, op := range history {
		root := find(op.Input.(Op).keys()[0])
		i, ok := groups[root]
		if !ok {
			i = len(out)
			groups[root] = i
			out = append(out, nil)
		}
		out[i] = append(out[i], op)
	}
	return out
}

func describeOutput(op Op, output any) string {
	out, ok := output.(Outcome)
	switch {
	case !ok:
		return "unknown"
	case op.Kind == Get:
		return out.Entry.String()
	case op.Kind == Txn && out.OK:
		parts := make([]string, len(out.Entries))
		for i, e := range out.Entries {
			parts[i] = e.String()
		}
		return "committed [" + strings.Join(parts, " ") + "]"
	case op.Kind == Txn:
		return "rolled back"
	}
	return fmt.Sprint(out.OK)
}

func describeState(state kvState) string {
	keys := slices.Sorted(maps.Keys(state))
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + "=" + state[k]
	}
	return "{" + strings.Join(parts, " ") + "}"
}
