package driver

import (
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/anishathalye/porcupine"
)

// kvInput is one client operation on a register.
type kvInput struct {
	put   bool
	key   string
	value string
}

// registerModel is a linearizable register per key: a put sets it, a get
// must return the latest put (or "" before any).
var registerModel = porcupine.Model{
	Partition: func(history []porcupine.Operation) [][]porcupine.Operation {
		byKey := map[string][]porcupine.Operation{}
		var keys []string
		for _, op := range history {
			k := op.Input.(kvInput).key
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
		in := input.(kvInput)
		if in.put {
			return true, in.value
		}
		return output.(string) == state.(string), state
	},
}

// history records client operations with virtual timestamps.
type history struct {
	ops []porcupine.Operation
}

func (h *history) ok(client int, in kvInput, out string, call, ret time.Duration) {
	h.ops = append(h.ops, porcupine.Operation{
		ClientId: client, Input: in, Output: out, Call: int64(call), Return: int64(ret),
	})
}

// indeterminate records a put whose outcome is unknown: it may take effect
// at any time after its call, so it never returns.
func (h *history) indeterminate(client int, in kvInput, call time.Duration) {
	h.ops = append(h.ops, porcupine.Operation{
		ClientId: client, Input: in, Output: "", Call: int64(call), Return: math.MaxInt64,
	})
}

// check requires the history to be linearizable; Unknown (the checker ran
// out of time) is reported as a failure, not a pass.
func (h *history) check() error {
	res := porcupine.CheckOperationsTimeout(registerModel, h.ops, 30*time.Second)
	if res != porcupine.Ok {
		return fmt.Errorf("linearizability: history of %d operations is %s", len(h.ops), res)
	}
	return nil
}
