package lincheck

import (
	"errors"
	"fmt"
	"math"
	"os"
	"time"

	"github.com/anishathalye/porcupine"
)

// Errors Check reports, wrapped with the details.
var (
	// ErrNotLinearizable means no order of the operations explains the
	// answers.
	ErrNotLinearizable = errors.New("lincheck: history is not linearizable")
	// ErrUndecided means the search ran out of time. It fails a test as
	// surely as a violation: an unchecked history proves nothing.
	ErrUndecided = errors.New("lincheck: linearizability check timed out")
	// ErrInconsistentIndex means the history revealed one ModifyIndex for
	// two values of a key, or two ModifyIndexes for one value.
	ErrInconsistentIndex = errors.New("lincheck: ModifyIndex inconsistent")
	// ErrBadHistory means the test recorded a history the checker cannot
	// judge: a value written twice, or a CAS on an index never revealed.
	ErrBadHistory = errors.New("lincheck: malformed history")
)

// History records operations with their invocation and response times.
// It is not safe for concurrent use; a simulation records from its one
// goroutine.
type History struct {
	calls []*Call
}

// Call is one recorded operation, pending until Return or Refused.
type Call struct {
	client   int
	op       Op
	call     int64
	ret      int64
	out      Outcome
	answered bool
	refused  bool
}

// Invoke records that client invoked op at time at (virtual time in a
// simulation) and returns the pending call. client numbers the clients
// from zero; each client has at most one call pending.
func (h *History) Invoke(client int, op Op, at time.Duration) *Call {
	c := &Call{client: client, op: op, call: int64(at), ret: math.MaxInt64}
	h.calls = append(h.calls, c)
	return c
}

// Return records the answer the client received at time at.
func (c *Call) Return(out Outcome, at time.Duration) {
	c.out, c.ret, c.answered = out, int64(at), true
}

// Refused records that the operation was refused without effect (the
// system answered that it did not apply it, e.g. no leader took it). It is
// left out of the check: if it applied after all, the value it wrote is
// one no operation of the history explains, and a read of it fails the
// check.
func (c *Call) Refused() { c.refused = true }

// Counts returns how many operations were answered, refused, and left
// without an answer (their outcome is unknown).
func (h *History) Counts() (answered, refused, unknown int) {
	for _, c := range h.calls {
		switch {
		case c.answered:
			answered++
		case c.refused:
			refused++
		default:
			unknown++
		}
	}
	return answered, refused, unknown
}

// Check reports whether the history is linearizable; timeout bounds
// porcupine's search. A call never returned counts as indeterminate: a
// write may have applied at any time after its call, a read is left out.
// When the search fails or times out, the answer is a *Failure, and
// porcupine's visualization of the history is written to a temporary file
// whose path it names.
func (h *History) Check(timeout time.Duration) error {
	ops := h.operations()
	model := &kvModel{}
	var err error
	if model.values, err = revealedIndexes(ops); err != nil {
		return err
	}
	pm := model.porcupine()
	res, info := porcupine.CheckOperationsVerbose(pm, ops, timeout)
	if res == porcupine.Ok {
		return nil
	}
	f := &Failure{Err: ErrNotLinearizable, Ops: len(ops)}
	if res == porcupine.Unknown {
		f.Err = ErrUndecided
	}
	f.Visualization, f.VisualizationErr = visualize(pm, info)
	return f
}

// Failure is Check's answer for a history that failed the search or that
// the search could not decide. It unwraps to ErrNotLinearizable or
// ErrUndecided.
type Failure struct {
	Err error
	// Ops is how many operations were checked.
	Ops int
	// Visualization is the path of porcupine's HTML view of the history,
	// "" if it could not be written (VisualizationErr says why).
	Visualization    string
	VisualizationErr error
}

func (f *Failure) Error() string {
	if f.Visualization == "" {
		return fmt.Sprintf("%v (%d operations); visualization not written: %v", f.Err, f.Ops, f.VisualizationErr)
	}
	return fmt.Sprintf("%v (%d operations); porcupine's visualization: %s", f.Err, f.Ops, f.Visualization)
}

func (f *Failure) Unwrap() error { return f.Err }

// operations converts the calls to porcupine's form, leaving out refused
// operations and reads without an answer.
func (h *History) operations() []porcupine.Operation {
	ops := make([]porcupine.Operation, 0, len(h.calls))
	for _, c := range h.calls {
		var out any = c.out
		if c.refused {
			continue
		}
		if !c.answered {
			if !c.op.writes() {
				continue
			}
			out = unknown{}
		}
		ops = append(ops, porcupine.Operation{ClientId: c.client, Input: c.op, Call: c.call, Output: out, Return: c.ret})
	}
	return ops
}

// visualize writes porcupine's HTML view of the history to a new
// temporary file and returns its path.
func visualize(model porcupine.Model, info porcupine.LinearizationInfo) (string, error) {
	f, err := os.CreateTemp("", "lincheck-*.html")
	if err != nil {
		return "", fmt.Errorf("lincheck: create visualization file: %w", err)
	}
	path := f.Name()
	if err := porcupine.Visualize(model, info, f); err != nil {
		f.Close()
		return "", fmt.Errorf("lincheck: write %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return "", fmt.Errorf("lincheck: close %s: %w", path, err)
	}
	return path, nil
}
