package simcluster

import (
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/anishathalye/porcupine"
)

// Op is one client operation on a register: a put of Value, or a get.
type Op struct {
	Put   bool
	Key   string
	Value string
}

// registerModel is a linearizable register per key: a put sets it, a get
// must return the latest put (or "" before any). Histories are checked one
// key at a time (porcupine's P-compositionality).
var registerModel = porcupine.Model{
	Partition: func(history []porcupine.Operation) [][]porcupine.Operation {
		byKey := map[string][]porcupine.Operation{}
		var keys []string
		for _, op := range history {
			k := op.Input.(Op).Key
			if _, ok := byKey[k]; !ok {
				keys = append(keys, k)
			}
			byKey[k] = append(byKey[k], op)
		}
		slices.Sort(keys)
		parts := make([][]porcupine.Operation, 0, len(keys))
		for _, k := range keys {
			parts = append(parts, byKey[k])
		}
		return parts
	},
	Init: func() any { return "" },
	Step: func(state, input, output any) (bool, any) {
		in := input.(Op)
		if in.Put {
			return true, in.Value
		}
		return output.(string) == state.(string), state
	},
}

// History records client operations with virtual timestamps.
type History struct {
	ops []porcupine.Operation
}

// Len is the number of recorded operations.
func (h *History) Len() int { return len(h.ops) }

// Ok records an operation that completed, with what a get returned.
func (h *History) Ok(client int, op Op, out string, call, ret time.Duration) {
	h.ops = append(h.ops, porcupine.Operation{
		ClientId: client, Input: op, Output: out, Call: int64(call), Return: int64(ret),
	})
}

// Indeterminate records a put whose outcome is unknown: it may take effect
// at any time after its call, so it never returns.
func (h *History) Indeterminate(client int, op Op, call time.Duration) {
	h.ops = append(h.ops, porcupine.Operation{
		ClientId: client, Input: op, Output: "", Call: int64(call), Return: math.MaxInt64,
	})
}

// Check reports whether the history is linearizable. Unknown (the checker
// ran out of time) is a failure, not a pass.
func (h *History) Check() error {
	res := porcupine.CheckOperationsTimeout(registerModel, h.ops, 30*time.Second)
	if res != porcupine.Ok {
		return fmt.Errorf("linearizability: history of %d operations is %s", len(h.ops), res)
	}
	return nil
}
