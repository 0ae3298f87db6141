package lincheck

import (
	"fmt"

	"github.com/anishathalye/porcupine"
)

// revealedIndexes gathers the (key, ModifyIndex, value) triples the
// answers of ops reveal, and checks that they are one to one per key:
// an index stands for one value and a value carries one index. It also
// checks what the model relies on: no value is written twice to a key,
// and every CAS or check-index names an index the history revealed.
func revealedIndexes(ops []porcupine.Operation) (map[at]string, error) {
	values := map[at]string{}
	indexOf := map[keyValue]uint64{}
	reveal := func(key, value string, index uint64) error {
		if index == 0 {
			return fmt.Errorf("%w: key %q holds %q at ModifyIndex 0", ErrInconsistentIndex, key, value)
		}
		if old, ok := values[at{key, index}]; ok && old != value {
			return fmt.Errorf("%w: key %q ModifyIndex %d stands for both %q and %q", ErrInconsistentIndex, key, index, old, value)
		}
		if old, ok := indexOf[keyValue{key, value}]; ok && old != index {
			return fmt.Errorf("%w: key %q value %q carries both ModifyIndex %d and %d", ErrInconsistentIndex, key, value, old, index)
		}
		values[at{key, index}] = value
		indexOf[keyValue{key, value}] = index
		return nil
	}
	for _, o := range ops {
		out, ok := o.Output.(Outcome)
		if !ok {
			continue
		}
		if err := revealOutcome(o.Input.(Op), out, reveal); err != nil {
			return nil, err
		}
	}
	if err := checkWrites(ops, values); err != nil {
		return nil, err
	}
	return values, nil
}

// keyValue is a value of a key.
type keyValue struct{ key, value string }

// revealOutcome calls reveal for each triple one answer shows.
func revealOutcome(op Op, out Outcome, reveal func(key, value string, index uint64) error) error {
	switch {
	case op.Kind == Get && out.Entry.Found:
		return reveal(op.Key, out.Entry.Value, out.Entry.Index)
	case op.Kind != Txn || !out.OK:
		return nil
	}
	if len(out.Entries) != len(op.Ops) {
		return nil // the model rejects the answer
	}
	for i, t := range op.Ops {
		var err error
		switch t.Verb {
		case VerbGet:
			err = reveal(t.Key, out.Entries[i].Value, out.Entries[i].Index)
		case VerbSet, VerbCAS:
			if lastWrite(op.Ops, i) {
				err = reveal(t.Key, t.Value, out.Entries[i].Index)
			}
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// lastWrite reports whether ops[i] is the last write of its key in ops:
// an earlier one is overwritten within the transaction and never seen.
func lastWrite(ops []TxnOp, i int) bool {
	for _, t := range ops[i+1:] {
		if t.Key == ops[i].Key && (t.Verb == VerbSet || t.Verb == VerbCAS) {
			return false
		}
	}
	return true
}

// checkWrites verifies that no value is written twice to one key and that
// every conditional names a revealed index.
func checkWrites(ops []porcupine.Operation, values map[at]string) error {
	written := map[keyValue]bool{}
	write := func(key, value string) error {
		if written[keyValue{key, value}] {
			return fmt.Errorf("%w: value %q written twice to key %q", ErrBadHistory, value, key)
		}
		written[keyValue{key, value}] = true
		return nil
	}
	condition := func(key string, index uint64) error {
		if _, ok := values[at{key, index}]; index != 0 && !ok {
			return fmt.Errorf("%w: a conditional on key %q names ModifyIndex %d, which no answer revealed", ErrBadHistory, key, index)
		}
		return nil
	}
	for _, o := range ops {
		op := o.Input.(Op)
		var err error
		switch op.Kind {
		case Put:
			err = write(op.Key, op.Value)
		case CAS:
			err = firstErr(write(op.Key, op.Value), condition(op.Key, op.Index))
		case Txn:
			for _, t := range op.Ops {
				switch t.Verb {
				case VerbSet:
					err = firstErr(err, write(t.Key, t.Value))
				case VerbCAS:
					err = firstErr(err, write(t.Key, t.Value), condition(t.Key, t.Index))
				case VerbCheckIndex:
					err = firstErr(err, condition(t.Key, t.Index))
				}
			}
		}
		if err != nil {
			return err
		}
	}
	return nil
}

func firstErr(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}
