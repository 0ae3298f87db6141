package runtime

import (
	"errors"
	"time"

	"go.uber.org/zap"

	"github.com/cairn-sd/cairn/agent/checks"
	"github.com/cairn-sd/cairn/agent/core"
)

// The agent runs its HTTP, TCP and script checks with an agent/checks Runner on
// their own goroutines; each result is posted to the loop and recorded in
// the local state, whose anti-entropy carries it to the catalog. TTL
// checks need no runner: the local state times them.

// newRunner returns the agent's check runner.
func (a *Agent) newRunner() *checks.Runner {
	return checks.NewRunner(func(id, status, output string) {
		a.env.Post(func() {
			err := a.local.UpdateCheck(id, status, output, false)
			if errors.Is(err, core.ErrUnknownCheck) {
				// The check was removed (its service deregistered itself
				// after staying critical): its runner stops too.
				go a.runner.Stop(id)
			}
		})
	}, a.logger.Named("checks"))
}

// startRunners starts the runners of the HTTP and TCP checks among cs.
func (a *Agent) startRunners(cs []core.LocalCheck) {
	for _, c := range cs {
		def := c.Definition
		if def.HTTP == "" && def.TCP == "" && len(c.ScriptArgs) == 0 {
			continue
		}
		err := a.runner.Start(checks.Definition{
			ID: c.CheckID, HTTP: def.HTTP, Method: def.Method, Header: def.Header, Body: def.Body,
			TLSSkipVerify: def.TLSSkipVerify, TCP: def.TCP, Args: c.ScriptArgs,
			Interval: time.Duration(def.Interval), Timeout: time.Duration(def.Timeout),
		})
		if err != nil {
			a.logger.Warn("a check cannot run; it stays critical", zap.String("check", c.CheckID), zap.Error(err))
		}
	}
}

// stopRunners stops the runners of checks that were removed.
func (a *Agent) stopRunners(ids []string) {
	for _, id := range ids {
		a.runner.Stop(id)
	}
}
