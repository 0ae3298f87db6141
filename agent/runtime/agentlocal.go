package runtime

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"time"

	"github.com/cairn-sd/cairn/acl"
	"github.com/cairn-sd/cairn/agent/core"
	"github.com/cairn-sd/cairn/catalog"
	"github.com/cairn-sd/cairn/swim"
)

// The /v1/agent endpoints for the agent's own services and checks act on
// its local state (core.Local), which anti-entropy keeps in the catalog.
// A registration answers once the sync it caused has ended, or after
// syncWait at most: the service is registered with the agent either way,
// as in Consul, and reaches the catalog with the next successful sync.

// syncWait bounds how long a registration waits for its sync.
const syncWait = 5 * time.Second

// poolMember is how the agent reaches its gossip pool, server or client.
type poolMember interface {
	Members() []swim.NodeInfo
	Join(addrs []string) error
	Leave() error
	GossipAddr() string
	FireEvent(name string, payload []byte) error
	ForceLeave(name string, prune bool) error
	NodeCoordinate(node string) (swim.Coordinate, bool)
}

// agentServiceView is one entry of /v1/agent/services (api.AgentService).
type agentServiceView struct {
	catalog.Service
	Datacenter string
}

// onLocal runs f on the loop with the local state and returns its error.
func (a *Agent) onLocal(f func(l *core.Local) error) error {
	var err error
	if !a.env.Do(func() { err = f(a.local) }) {
		return errShuttingDown
	}
	return err
}

// awaitSync waits, within syncWait, for the sync of every change so far.
func (a *Agent) awaitSync(ctx context.Context) {
	ctx, cancel := context.WithTimeout(ctx, syncWait)
	defer cancel()
	onLoop(ctx, a, func(reply func(error)) { a.local.AwaitSync(reply) })
}

// localServices returns the local services, by ID, as Consul shows them.
func (a *Agent) localServices() (map[string]agentServiceView, error) {
	out := map[string]agentServiceView{}
	err := a.onLocal(func(l *core.Local) error {
		for _, svc := range l.Services() {
			out[svc.ID] = agentServiceView{Service: svc, Datacenter: a.cfg.Datacenter}
		}
		return nil
	})
	return out, err
}

// localChecks returns the local checks, by ID.
func (a *Agent) localChecks() (map[string]catalog.HealthCheck, error) {
	out := map[string]catalog.HealthCheck{}
	err := a.onLocal(func(l *core.Local) error {
		for _, c := range l.Checks() {
			out[c.CheckID] = c
		}
		return nil
	})
	return out, err
}

// agentServices serves GET /v1/agent/services: those the token may read.
func (a *Agent) agentServices(w http.ResponseWriter, r *http.Request, _ string) error {
	out, err := a.localServices()
	if err != nil {
		return err
	}
	maps.DeleteFunc(out, func(_ string, s agentServiceView) bool { return authz(r).ServiceRead(s.Service.Service) != acl.Allow })
	writeJSON(w, r, out)
	return nil
}

// agentService serves GET /v1/agent/service/<id>.
func (a *Agent) agentService(w http.ResponseWriter, r *http.Request, id string) error {
	out, err := a.localServices()
	if err != nil {
		return err
	}
	svc, ok := out[id]
	if !ok {
		return notFound("unknown service ID: %s", id)
	}
	if err := permission(authz(r).ServiceRead(svc.Service.Service)); err != nil {
		return err
	}
	writeJSON(w, r, svc)
	return nil
}

// agentChecks serves GET /v1/agent/checks: those the token may read.
func (a *Agent) agentChecks(w http.ResponseWriter, r *http.Request, _ string) error {
	out, err := a.localChecks()
	if err != nil {
		return err
	}
	maps.DeleteFunc(out, func(_ string, c catalog.HealthCheck) bool {
		return len(filterChecks(authz(r), []*catalog.HealthCheck{&c})) == 0
	})
	writeJSON(w, r, out)
	return nil
}

// agentServiceRegister serves PUT /v1/agent/service/register.
func (a *Agent) agentServiceRegister(w http.ResponseWriter, r *http.Request, _ string) error {
	b, err := readBody(r)
	if err != nil {
		return err
	}
	reg, err := decodeServiceRegistration(b)
	if err != nil {
		return err
	}
	svc, checks, err := reg.toLocal(a.cfg.EnableScriptChecks)
	if err != nil {
		return err
	}
	if err := permission(authz(r).ServiceWrite(svc.Service)); err != nil {
		return err
	}
	token := secretOf(r)
	var persistErr error
	err = a.onLocal(func(l *core.Local) error {
		replaced := serviceCheckIDs(l, svc.ID)
		if err := l.AddService(svc, checks); err != nil {
			return err
		}
		persistErr = a.persistService(l, svc, replaced, token)
		return nil
	})
	if err != nil {
		return badRequest("%v", err)
	}
	a.startRunners(checks)
	if persistErr != nil {
		return persistErr
	}
	a.awaitSync(r.Context())
	return nil
}

// agentServiceDeregister serves PUT /v1/agent/service/deregister/<id>.
func (a *Agent) agentServiceDeregister(w http.ResponseWriter, r *http.Request, id string) error {
	if id == "" {
		return badRequest("Missing service ID")
	}
	var dropped []string
	err := a.onLocal(func(l *core.Local) error {
		for _, svc := range l.Services() {
			if svc.ID == id && authz(r).ServiceWrite(svc.Service) != acl.Allow {
				return errPermissionDenied
			}
		}
		for _, c := range l.Checks() {
			if c.ServiceID == id {
				dropped = append(dropped, c.CheckID)
			}
		}
		if err := l.RemoveService(id); err != nil {
			return err
		}
		return a.unpersistService(id, dropped)
	})
	if errors.Is(err, core.ErrUnknownService) {
		return notFound("Unknown service ID %q. Ensure that the service ID is passed, not the service name.", id)
	}
	if err != nil {
		return err
	}
	a.stopRunners(dropped)
	a.awaitSync(r.Context())
	return nil
}

// agentCheckRegister serves PUT /v1/agent/check/register.
func (a *Agent) agentCheckRegister(w http.ResponseWriter, r *http.Request, _ string) error {
	b, err := readBody(r)
	if err != nil {
		return err
	}
	var c serviceCheck
	if err := decodeJSON(normaliseKeys(b), &c); err != nil {
		return err
	}
	if c.Name == "" {
		return badRequest("Missing check name")
	}
	lc, err := c.toLocal(c.ServiceID, "", 0, 1, a.cfg.EnableScriptChecks)
	if err != nil {
		return err
	}
	if err := a.checkWritable(r, lc.ServiceID); err != nil {
		return err
	}
	token := secretOf(r)
	var persistErr error
	err = a.onLocal(func(l *core.Local) error {
		if err := l.AddCheck(lc); err != nil {
			return err
		}
		persistErr = a.persistCheck(l, lc.CheckID, token)
		return nil
	})
	if errors.Is(err, core.ErrUnknownService) {
		return badRequest("ServiceID %q does not exist", c.ServiceID)
	}
	if err != nil {
		return badRequest("%v", err)
	}
	a.startRunners([]core.LocalCheck{lc})
	if persistErr != nil {
		return persistErr
	}
	a.awaitSync(r.Context())
	return nil
}

// checkWritable refuses to change a check of service serviceID (or, when
// empty, of the node) without service (or node) write.
func (a *Agent) checkWritable(r *http.Request, serviceID string) error {
	if serviceID == "" {
		return permission(authz(r).NodeWrite(a.cfg.NodeName))
	}
	services, err := a.localServices()
	if err != nil {
		return err
	}
	return permission(authz(r).ServiceWrite(services[serviceID].Service.Service))
}

// checkOwner is the service ID of a local check, "" for a node check or
// an unknown one.
func (a *Agent) checkOwner(id string) string {
	var owner string
	a.onLocal(func(l *core.Local) error {
		if c, ok := l.Check(id); ok {
			owner = c.ServiceID
		}
		return nil
	})
	return owner
}

// agentCheckDeregister serves PUT /v1/agent/check/deregister/<id>.
func (a *Agent) agentCheckDeregister(w http.ResponseWriter, r *http.Request, id string) error {
	if err := a.checkWritable(r, a.checkOwner(id)); err != nil {
		return err
	}
	err := a.onLocal(func(l *core.Local) error {
		if err := l.RemoveCheck(id); err != nil {
			return err
		}
		return a.unpersistCheck(id)
	})
	if errors.Is(err, core.ErrUnknownCheck) {
		return notFound("Unknown check ID %q. Ensure that the check ID is passed, not the check name.", id)
	}
	if err != nil {
		return err
	}
	a.stopRunners([]string{id})
	a.awaitSync(r.Context())
	return nil
}

// agentCheckTTL serves PUT /v1/agent/check/{pass,warn,fail}/<id>?note=.
func (a *Agent) agentCheckTTL(status string) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request, id string) error {
		return a.updateTTLCheck(r, id, status, r.URL.Query().Get("note"))
	}
}

// checkUpdate is the body of PUT /v1/agent/check/update/<id>.
type checkUpdate struct {
	Status string
	Output string
}

// agentCheckUpdate serves PUT /v1/agent/check/update/<id>.
func (a *Agent) agentCheckUpdate(w http.ResponseWriter, r *http.Request, id string) error {
	var u checkUpdate
	if err := decodeBody(r, &u); err != nil {
		return err
	}
	switch u.Status {
	case catalog.HealthPassing, catalog.HealthWarning, catalog.HealthCritical:
	default:
		return badRequest("Invalid check status: %q", u.Status)
	}
	return a.updateTTLCheck(r, id, u.Status, u.Output)
}

// updateTTLCheck sets a TTL check's status and restarts its TTL.
func (a *Agent) updateTTLCheck(r *http.Request, id, status, output string) error {
	if err := a.checkWritable(r, a.checkOwner(id)); err != nil {
		return err
	}
	err := a.onLocal(func(l *core.Local) error {
		if err := l.UpdateCheck(id, status, output, true); err != nil {
			return err
		}
		return a.persistCheckState(l, id)
	})
	switch {
	case errors.Is(err, core.ErrUnknownCheck):
		return notFound("Unknown check ID %q. Ensure that the check ID is passed, not the check name.", id)
	case errors.Is(err, core.ErrNotTTL):
		return &httpError{http.StatusInternalServerError, fmt.Sprintf("CheckID %q does not have associated TTL", id)}
	case err != nil:
		return err
	}
	a.awaitSync(r.Context())
	return nil
}
