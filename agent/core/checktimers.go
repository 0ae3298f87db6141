package core

import (
	"go.uber.org/zap"

	"github.com/cairn-sd/cairn/catalog"
)

// Two timers belong to a local check, as in Consul's agent:
//
//   - a TTL check turns critical, with the output "TTL expired", when no
//     update arrives within its TTL; every update restarts the timer;
//   - a check with DeregisterCriticalServiceAfter removes its service
//     (and the service's checks) once it has been critical that long
//     without a break; a status other than critical stops the timer.

// ttlExpiredOutput is the output Consul gives an expired TTL check.
const ttlExpiredOutput = "TTL expired"

// armTTL (re)starts a TTL check's timer.
func (l *Local) armTTL(c *localCheck) {
	stopTimer(c.ttlTimer)
	c.ttlTimer = nil
	if c.TTL <= 0 || l.stopped {
		return
	}
	id := c.CheckID
	c.ttlTimer = l.env.AfterFunc(c.TTL, func() {
		if l.checks[id] != c || l.stopped {
			return
		}
		c.ttlExpired = true
		l.logger.Warn("check missed its TTL, is now critical", zap.String("check", id))
		l.setStatus(c, catalog.HealthCritical, ttlExpiredOutput)
	})
}

// armReap starts the deregistration timer of a check that turned
// critical, and stops it otherwise.
func (l *Local) armReap(c *localCheck) {
	stopTimer(c.reapTimer)
	c.reapTimer = nil
	if c.DeregisterCriticalServiceAfter <= 0 || c.ServiceID == "" || c.Status != catalog.HealthCritical || l.stopped {
		return
	}
	id, svc := c.CheckID, c.ServiceID
	c.reapTimer = l.env.AfterFunc(c.DeregisterCriticalServiceAfter, func() {
		if l.checks[id] != c || l.stopped {
			return
		}
		l.logger.Info("removing a service whose check stayed critical",
			zap.String("service", svc), zap.String("check", id), zap.Duration("after", c.DeregisterCriticalServiceAfter))
		var dropped []string
		for _, other := range l.sortedChecks() {
			if other.ServiceID == svc {
				dropped = append(dropped, other.CheckID)
			}
		}
		if err := l.RemoveService(svc); err != nil {
			l.logger.Warn("removing a critical service failed", zap.String("service", svc), zap.Error(err))
			return
		}
		if l.cfg.ServiceReaped != nil {
			l.cfg.ServiceReaped(svc, dropped)
		}
	})
}
