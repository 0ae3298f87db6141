package core

import (
	"cmp"
	"errors"
	"fmt"
	"maps"
	"slices"
	"time"

	"go.uber.org/zap"

	"github.com/cairn-sd/cairn/catalog"
	"github.com/cairn-sd/cairn/netsim"
)

// Errors of the local state, for services and checks it does not hold.
var (
	ErrUnknownService = errors.New("unknown service ID")
	ErrUnknownCheck   = errors.New("unknown check ID")
	// ErrNotTTL refuses a TTL update of a check the agent runs itself.
	ErrNotTTL = errors.New("check does not have an associated TTL")
)

// CatalogBackend is how an agent's local state reaches the catalog: a
// server in process, a client through a server.
// Both check the token: the agent's own (tokens.agent) in practice.
type CatalogBackend interface {
	ApplyAs(token string, cmd []byte, done func(catalog.Result, error))
	NodeStateAs(token, node string, done func(NodeState, error))
}

// NodeState is a node's entry in the catalog, which anti-entropy compares
// the local state with. Node is nil when the catalog lacks the node.
type NodeState struct {
	Node     *catalog.Node
	Services []*catalog.Service
	Checks   []*catalog.HealthCheck
}

// LocalCheck is a check registered on this agent.
type LocalCheck struct {
	catalog.HealthCheck
	// TTL makes it a TTL check: it turns critical unless updated within
	// TTL.
	TTL time.Duration
	// DeregisterCriticalServiceAfter removes the check's service once the
	// check has been critical that long (zero: never).
	DeregisterCriticalServiceAfter time.Duration
	// ScriptArgs is a script check's command; the agent runs it, the
	// catalog never sees it.
	ScriptArgs []string
}

// localCheck is a LocalCheck with its timers.
type localCheck struct {
	LocalCheck
	ttlTimer   netsim.Timer
	reapTimer  netsim.Timer
	ttlExpired bool
}

// LocalConfig describes the agent's node and how often it resyncs.
type LocalConfig struct {
	Node catalog.Node
	// SyncInterval is the base period of a full sync; zero means one
	// minute. It grows with the pool (see antientropy.go).
	SyncInterval time.Duration
	// PoolSize, if set, reports the number of pool members.
	PoolSize func() int
	// ServiceReaped, if set, is told of a service the agent removed itself
	// because its check stayed critical past DeregisterCriticalServiceAfter,
	// with the IDs of the checks removed with it (so that their runners
	// stop and their saved files go).
	ServiceReaped func(id string, checkIDs []string)
	// Token, if set, returns the ACL token the agent's own writes carry
	// (tokens.agent, else tokens.default); it is asked at every sync, so a
	// token set at run time takes effect at the next one.
	Token func() string
}

// Local is the agent's local state: the services and checks registered on
// this agent, which anti-entropy (antientropy.go) keeps in the catalog.
// Its methods must be called on the Env's loop.
type Local struct {
	cfg      LocalConfig
	env      netsim.Env
	logger   *zap.Logger
	backend  CatalogBackend
	services map[string]*catalog.Service
	checks   map[string]*localCheck
	sync     syncState
	stopped  bool
}

// NewLocal returns an empty local state and schedules its first sync.
func NewLocal(env netsim.Env, backend CatalogBackend, cfg LocalConfig) *Local {
	if cfg.SyncInterval <= 0 {
		cfg.SyncInterval = DefaultSyncInterval
	}
	l := &Local{cfg: cfg, env: env, logger: env.Logger().Named("local"), backend: backend,
		services: map[string]*catalog.Service{}, checks: map[string]*localCheck{}}
	l.scheduleFullSync(true)
	return l
}

// AddService adds or replaces a service and replaces its checks.
func (l *Local) AddService(svc catalog.Service, checks []LocalCheck) error {
	if svc.Service == "" {
		return catalog.ErrMissingServiceName
	}
	if svc.ID == "" {
		svc.ID = svc.Service
	}
	if svc.Weights == (catalog.Weights{}) {
		svc.Weights = catalog.DefaultWeights
	}
	svc.CreateIndex, svc.ModifyIndex = 0, 0
	for _, c := range l.sortedChecks() {
		if c.ServiceID == svc.ID {
			l.dropCheck(c.CheckID)
		}
	}
	l.services[svc.ID] = &svc
	for _, c := range checks {
		c.ServiceID = svc.ID
		if err := l.addCheck(c); err != nil {
			return err
		}
	}
	l.changed()
	return nil
}

// RemoveService removes a service and its checks.
func (l *Local) RemoveService(id string) error {
	if l.services[id] == nil {
		return fmt.Errorf("%w %q", ErrUnknownService, id)
	}
	for _, c := range l.sortedChecks() {
		if c.ServiceID == id {
			l.dropCheck(c.CheckID)
		}
	}
	delete(l.services, id)
	l.changed()
	return nil
}

// AddCheck adds or replaces a check; a service check needs its service.
func (l *Local) AddCheck(c LocalCheck) error {
	if err := l.addCheck(c); err != nil {
		return err
	}
	l.changed()
	return nil
}

func (l *Local) addCheck(c LocalCheck) error {
	if c.CheckID == "" {
		return catalog.ErrMissingCheckID
	}
	if c.ServiceID != "" && l.services[c.ServiceID] == nil {
		return fmt.Errorf("%w %q for check %q", ErrUnknownService, c.ServiceID, c.CheckID)
	}
	switch c.Status {
	case "":
		c.Status = catalog.HealthCritical
	case catalog.HealthPassing, catalog.HealthWarning, catalog.HealthCritical:
	default:
		return fmt.Errorf("%w: %q", catalog.ErrBadCheckStatus, c.Status)
	}
	c.Node, c.CreateIndex, c.ModifyIndex = l.cfg.Node.Node, 0, 0
	l.dropCheck(c.CheckID)
	lc := &localCheck{LocalCheck: c}
	l.checks[c.CheckID] = lc
	l.armTTL(lc)
	l.armReap(lc)
	return nil
}

// RemoveCheck removes a check.
func (l *Local) RemoveCheck(id string) error {
	if l.checks[id] == nil {
		return fmt.Errorf("%w %q", ErrUnknownCheck, id)
	}
	l.dropCheck(id)
	l.changed()
	return nil
}

// dropCheck forgets a check and stops its timers.
func (l *Local) dropCheck(id string) {
	if c := l.checks[id]; c != nil {
		stopTimer(c.ttlTimer)
		stopTimer(c.reapTimer)
		delete(l.checks, id)
	}
}

// UpdateCheck records a check's new status and output, from its runner
// or (ttl true) from a TTL update through the API, which needs a TTL check
// and restarts its TTL.
func (l *Local) UpdateCheck(id, status, output string, ttl bool) error {
	c := l.checks[id]
	if c == nil {
		return fmt.Errorf("%w %q", ErrUnknownCheck, id)
	}
	if ttl && c.TTL <= 0 {
		return fmt.Errorf("%w: %q", ErrNotTTL, id)
	}
	c.ttlExpired = false
	l.setStatus(c, status, output)
	if ttl {
		l.armTTL(c)
	}
	return nil
}

// setStatus changes a check's status and output and syncs if that is news.
func (l *Local) setStatus(c *localCheck, status, output string) {
	if c.Status == status && c.Output == output {
		return
	}
	wasCritical := c.Status == catalog.HealthCritical
	c.Status, c.Output = status, output
	if wasCritical != (status == catalog.HealthCritical) {
		l.armReap(c)
	}
	l.changed()
}

// Services returns the local services, by ID.
func (l *Local) Services() []catalog.Service {
	out := make([]catalog.Service, 0, len(l.services))
	for _, id := range slices.Sorted(maps.Keys(l.services)) {
		out = append(out, *l.services[id])
	}
	return out
}

// Checks returns the local checks, by ID, with the service name and tags
// filled in as the catalog shows them.
func (l *Local) Checks() []catalog.HealthCheck {
	out := make([]catalog.HealthCheck, 0, len(l.checks))
	for _, c := range l.sortedChecks() {
		out = append(out, l.catalogView(c))
	}
	return out
}

// Check returns one local check as LocalCheck.
func (l *Local) Check(id string) (LocalCheck, bool) {
	c := l.checks[id]
	if c == nil {
		return LocalCheck{}, false
	}
	return c.LocalCheck, true
}

// catalogView is a check as the catalog will hold it.
func (l *Local) catalogView(c *localCheck) catalog.HealthCheck {
	hc := c.HealthCheck
	hc.ServiceName, hc.ServiceTags = "", nil
	if svc := l.services[hc.ServiceID]; svc != nil {
		hc.ServiceName, hc.ServiceTags = svc.Service, svc.Tags
	}
	return hc
}

func (l *Local) sortedChecks() []*localCheck {
	out := slices.Collect(maps.Values(l.checks))
	slices.SortFunc(out, func(a, b *localCheck) int { return cmp.Compare(a.CheckID, b.CheckID) })
	return out
}

// Stop stops every timer; the local state does nothing afterwards.
func (l *Local) Stop() {
	l.stopped = true
	stopTimer(l.sync.timer)
	for _, w := range l.sync.waiters {
		w.done(ErrStopped)
	}
	l.sync.waiters = nil
	for _, c := range l.checks {
		stopTimer(c.ttlTimer)
		stopTimer(c.reapTimer)
	}
}

func stopTimer(t netsim.Timer) {
	if t != nil {
		t.Stop()
	}
}
