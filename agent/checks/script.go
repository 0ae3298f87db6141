package checks

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"time"

	"github.com/cairn-sd/cairn/catalog"
)

// scriptProbe runs one script check, as Consul's: the command's exit code
// gives the status (0 passing, 1 warning, anything else critical) and its
// output, stdout and stderr together, the last OutputMaxBytes bytes of it,
// is the check's output. A command still running at the timeout is
// killed and the check is critical.
type scriptProbe struct {
	args    []string
	timeout time.Duration
}

// newScriptProbe builds the probe of a normalized script definition.
func newScriptProbe(d Definition) *scriptProbe {
	return &scriptProbe{args: d.Args, timeout: d.Timeout}
}

// check runs the command once.
func (p *scriptProbe) check(ctx context.Context) (status, output string) {
	ctx, cancel := context.WithTimeout(ctx, p.timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, p.args[0], p.args[1:]...)
	tail := &tailBuffer{maxBytes: OutputMaxBytes}
	cmd.Stdout, cmd.Stderr = tail, tail
	err := cmd.Run()
	var exit *exec.ExitError
	switch {
	case ctx.Err() != nil:
		return catalog.HealthCritical, fmt.Sprintf("Timed out (%s) running check", p.timeout)
	case err == nil:
		return catalog.HealthPassing, string(tail.data)
	case errors.As(err, &exit) && exit.ExitCode() == 1:
		return catalog.HealthWarning, string(tail.data)
	case errors.As(err, &exit):
		return catalog.HealthCritical, string(tail.data)
	}
	return catalog.HealthCritical, fmt.Sprintf("Failed to run check: %v", err)
}
