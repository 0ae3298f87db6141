package runtime

import (
	"cmp"
	"fmt"

	"github.com/cairn-sd/cairn/agent/config"
	"github.com/cairn-sd/cairn/agent/core"
	"github.com/cairn-sd/cairn/catalog"
)

// Services and checks from the config files (services, checks) join the
// local state at start, as if registered through the API. A reload
// replaces them: what the files no longer define is removed, what they
// define is registered anew; what was registered through the API stays.

// configEntries are the local services and checks of the config files:
// each service with its own checks, and the top-level checks (of the node,
// or of a service registered elsewhere).
type configEntries struct {
	services []catalog.Service
	checks   map[string][]core.LocalCheck // by service ID
	loose    []core.LocalCheck
}

// fromConfig converts the config's definitions, refusing what the agent
// cannot run (a script check, a check without interval).
func fromConfig(cfg *config.Config) (configEntries, error) {
	e := configEntries{checks: map[string][]core.LocalCheck{}}
	scripts := cfg.EnableScriptChecks || cfg.EnableLocalScriptChecks
	for _, sd := range cfg.Services {
		svc := catalog.Service{ID: sd.ID, Service: sd.Name, Tags: sd.Tags, Address: sd.Address, Port: sd.Port,
			Meta: sd.Meta, EnableTagOverride: sd.EnableTagOverride,
			Weights: catalog.Weights{Passing: sd.Weights.Passing, Warning: sd.Weights.Warning}}
		if svc.ID == "" {
			svc.ID = svc.Service
		}
		e.services = append(e.services, svc)
		for i, cd := range sd.Checks {
			lc, err := checkFromConfig(cd, svc.ID, svc.Service, i, len(sd.Checks), scripts)
			if err != nil {
				return e, fmt.Errorf("service %q: %w", svc.ID, err)
			}
			e.checks[svc.ID] = append(e.checks[svc.ID], lc)
		}
	}
	for _, cd := range cfg.Checks {
		lc, err := checkFromConfig(cd, cd.ServiceID, "", 0, 1, scripts)
		if err != nil {
			return e, err
		}
		e.loose = append(e.loose, lc)
	}
	return e, nil
}

// checkFromConfig converts one check definition through the same rules as
// an API registration.
func checkFromConfig(cd config.CheckDefinition, serviceID, serviceName string, i, n int, scripts bool) (core.LocalCheck, error) {
	c := serviceCheck{
		ID: cd.ID, Name: cd.Name, ServiceID: cd.ServiceID, Status: cd.Status, Notes: cd.Notes,
		TTL: catalog.Duration(cd.TTL), Interval: catalog.Duration(cd.Interval), Timeout: catalog.Duration(cd.Timeout),
		DeregisterCriticalServiceAfter: catalog.Duration(cd.DeregisterCriticalServiceAfter),
		HTTP:                           cd.HTTP, Method: cd.Method, Header: cd.Header, TCP: cd.TCP, GRPC: cd.GRPC, Args: cd.Args,
	}
	lc, err := c.toLocal(serviceID, serviceName, i, n, scripts)
	if err != nil {
		return lc, fmt.Errorf("check %q: %w", cmp.Or(cd.ID, cd.Name), err)
	}
	return lc, nil
}

// putConfigEntries puts the config's services and checks in the local
// state and starts the runners of their checks.
func (a *Agent) putConfigEntries(e configEntries) error {
	var started []core.LocalCheck
	err := a.onLocal(func(l *core.Local) error {
		for _, svc := range e.services {
			if err := l.AddService(svc, e.checks[svc.ID]); err != nil {
				return fmt.Errorf("service %q: %w", svc.ID, err)
			}
			started = append(started, e.checks[svc.ID]...)
		}
		for _, c := range e.loose {
			if err := l.AddCheck(c); err != nil {
				return fmt.Errorf("check %q: %w", c.CheckID, err)
			}
			started = append(started, c)
		}
		return nil
	})
	a.startRunners(started)
	return err
}
