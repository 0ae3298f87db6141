package runtime

import (
	"errors"
	"fmt"
	"net/http"

	"go.uber.org/zap"

	"github.com/cairn-sd/cairn/agent/core"
)

// ErrNoReload answers a reload of an agent whose process gave it no way
// to read its configuration again.
var ErrNoReload = errors.New("this agent cannot reload: it was started without a configuration loader")

// Reload reads the configuration again (SIGHUP, `cairn reload`, PUT
// /v1/agent/reload) and applies what can change while running: the
// services and checks of the config files, the watches, log_level and
// the agent's ACL tokens (acl.tokens). Everything else needs a restart, as
// in Consul. A configuration that does not load changes nothing.
func (a *Agent) Reload() error {
	if a.opts.Reload == nil {
		return ErrNoReload
	}
	cfg, err := a.opts.Reload()
	if err != nil {
		return fmt.Errorf("reload: %w", err)
	}
	entries, err := fromConfig(cfg)
	if err != nil {
		return fmt.Errorf("reload: %w", err)
	}
	watches, err := checkWatches(cfg, a.opts)
	if err != nil {
		return fmt.Errorf("reload: %w", err)
	}
	a.reloadMu.Lock()
	defer a.reloadMu.Unlock()
	if err := a.dropConfigEntries(a.fromFiles); err != nil {
		return fmt.Errorf("reload: %w", err)
	}
	a.fromFiles = entries
	if err := a.putConfigEntries(entries); err != nil {
		return fmt.Errorf("reload: %w", err)
	}
	if a.opts.Level != nil {
		a.opts.Level.SetLevel(cfg.ZapLevel())
	}
	a.reloadTokens(cfg)
	a.stopWatches()
	if err := a.startWatches(watches); err != nil {
		return fmt.Errorf("reload: %w", err)
	}
	a.logger.Info("configuration reloaded", zap.Int("services", len(entries.services)), zap.Int("checks", len(entries.loose)))
	return nil
}

// dropConfigEntries removes the services and checks an earlier load of
// the config files added, with their runners.
func (a *Agent) dropConfigEntries(e configEntries) error {
	var stopped []string
	for _, cs := range e.checks {
		for _, c := range cs {
			stopped = append(stopped, c.CheckID)
		}
	}
	for _, c := range e.loose {
		stopped = append(stopped, c.CheckID)
	}
	a.stopRunners(stopped)
	return a.onLocal(func(l *core.Local) error {
		for _, c := range e.loose {
			if err := l.RemoveCheck(c.CheckID); err != nil && !errors.Is(err, core.ErrUnknownCheck) {
				return err
			}
		}
		for _, svc := range e.services {
			if err := l.RemoveService(svc.ID); err != nil && !errors.Is(err, core.ErrUnknownService) {
				return err
			}
		}
		return nil
	})
}

// agentReload serves PUT /v1/agent/reload.
func (a *Agent) agentReload(w http.ResponseWriter, r *http.Request, _ string) error {
	return a.Reload()
}
