package runtime

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/cairn-sd/cairn/acl"
	"github.com/cairn-sd/cairn/agent/core"
	"github.com/cairn-sd/cairn/catalog"
)

// Maintenance mode and the agent's own view of a service's health, as
// Consul's /v1/agent endpoints serve them.

// statusMaintenance is the aggregated status of a service in maintenance.
const statusMaintenance = "maintenance"

// agentMaintenance serves PUT /v1/agent/maintenance?enable=&reason=.
func (a *Agent) agentMaintenance(w http.ResponseWriter, r *http.Request, _ string) error {
	on, err := enableParam(r)
	if err != nil {
		return err
	}
	reason := r.URL.Query().Get("reason")
	if err := a.onLocal(func(l *core.Local) error { return l.SetNodeMaintenance(on, reason) }); err != nil {
		return err
	}
	a.awaitSync(r.Context())
	return nil
}

// agentServiceMaintenance serves PUT /v1/agent/service/maintenance/<id>.
func (a *Agent) agentServiceMaintenance(w http.ResponseWriter, r *http.Request, id string) error {
	if id == "" {
		return badRequest("Missing service ID")
	}
	on, err := enableParam(r)
	if err != nil {
		return err
	}
	reason := r.URL.Query().Get("reason")
	if services, err := a.localServices(); err == nil {
		if svc, ok := services[id]; ok {
			if err := permission(authz(r).ServiceWrite(svc.Service.Service)); err != nil {
				return err
			}
		}
	}
	err = a.onLocal(func(l *core.Local) error { return l.SetServiceMaintenance(id, on, reason) })
	if errors.Is(err, core.ErrUnknownService) {
		return notFound("Unknown service ID %q", id)
	}
	if err != nil {
		return err
	}
	a.awaitSync(r.Context())
	return nil
}

// enableParam reads the required ?enable=true|false.
func enableParam(r *http.Request) (bool, error) {
	v := r.URL.Query().Get("enable")
	if v == "" {
		return false, badRequest("Missing value for enable")
	}
	on, err := strconv.ParseBool(v)
	if err != nil {
		return false, badRequest("Invalid value for enable: %q", v)
	}
	return on, nil
}

// serviceHealthView is one answer of /v1/agent/health/service/...
type serviceHealthView struct {
	AggregatedStatus string
	Service          agentServiceView
	Checks           []catalog.HealthCheck
}

// agentHealthByID serves GET /v1/agent/health/service/id/<id>.
func (a *Agent) agentHealthByID(w http.ResponseWriter, r *http.Request, id string) error {
	views, err := a.serviceHealth(func(s catalog.Service) bool { return s.ID == id && authz(r).ServiceRead(s.Service) == acl.Allow })
	if err != nil {
		return err
	}
	if len(views) == 0 {
		return notFound("ServiceId %s not found", id)
	}
	return writeHealth(w, r, views[0].AggregatedStatus, views[0])
}

// agentHealthByName serves GET /v1/agent/health/service/name/<name>.
func (a *Agent) agentHealthByName(w http.ResponseWriter, r *http.Request, name string) error {
	views, err := a.serviceHealth(func(s catalog.Service) bool { return s.Service == name && authz(r).ServiceRead(name) == acl.Allow })
	if err != nil {
		return err
	}
	if len(views) == 0 {
		return notFound("ServiceName %s Not Found", name)
	}
	worst := catalog.HealthPassing
	for _, v := range views {
		worst = worse(worst, v.AggregatedStatus)
	}
	return writeHealth(w, r, worst, views)
}

// serviceHealth gathers the matching local services with their checks
// and the node's, and aggregates their status.
func (a *Agent) serviceHealth(match func(catalog.Service) bool) ([]serviceHealthView, error) {
	var out []serviceHealthView
	err := a.onLocal(func(l *core.Local) error {
		checks := l.Checks()
		for _, svc := range l.Services() {
			if !match(svc) {
				continue
			}
			v := serviceHealthView{AggregatedStatus: catalog.HealthPassing,
				Service: agentServiceView{Service: svc, Datacenter: a.cfg.Datacenter}, Checks: []catalog.HealthCheck{}}
			for _, c := range checks {
				if c.ServiceID == svc.ID || c.ServiceID == "" {
					v.Checks = append(v.Checks, c)
					v.AggregatedStatus = worse(v.AggregatedStatus, checkStatus(c))
				}
			}
			out = append(out, v)
		}
		return nil
	})
	return out, err
}

// checkStatus is a check's status, with maintenance checks apart.
func checkStatus(c catalog.HealthCheck) string {
	if c.CheckID == core.NodeMaintenanceCheckID || strings.HasPrefix(c.CheckID, core.ServiceMaintenanceCheckID("")) {
		return statusMaintenance
	}
	return c.Status
}

// worse returns the graver of two statuses.
func worse(x, y string) string {
	rank := map[string]int{catalog.HealthPassing: 0, catalog.HealthWarning: 1, catalog.HealthCritical: 2, statusMaintenance: 3}
	if rank[y] > rank[x] {
		return y
	}
	return x
}

// writeHealth answers with Consul's status codes: 200 passing, 429
// warning, 503 critical or maintenance; ?format=text gives the status alone.
func writeHealth(w http.ResponseWriter, r *http.Request, status string, v any) error {
	code := http.StatusOK
	switch status {
	case catalog.HealthWarning:
		code = http.StatusTooManyRequests
	case catalog.HealthCritical, statusMaintenance:
		code = http.StatusServiceUnavailable
	}
	if r.URL.Query().Get("format") == "text" {
		w.Header().Set("Content-Type", "text/plain")
		w.WriteHeader(code)
		w.Write([]byte(status))
		return nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encode service health: %w", err)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	w.Write(b)
	return nil
}
