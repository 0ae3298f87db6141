package config

import (
	"fmt"
	"strconv"
	"time"
)

// serviceRule is the schema of one service definition.
var serviceRule = object[*ServiceDefinition]{
	"id":                  stringRule(func(s *ServiceDefinition, v string) error { s.ID = v; return nil }),
	"name":                stringRule(func(s *ServiceDefinition, v string) error { s.Name = v; return nil }),
	"tags":                stringListRule(func(s *ServiceDefinition, v []string) error { s.Tags = v; return nil }),
	"address":             stringRule(func(s *ServiceDefinition, v string) error { s.Address = v; return nil }),
	"port":                portRule(false, func(s *ServiceDefinition, p int) { s.Port = p }),
	"meta":                stringMapRule(func(s *ServiceDefinition, m map[string]string) { s.Meta = m }),
	"enable_tag_override": boolRule(func(s *ServiceDefinition, v bool) { s.EnableTagOverride = v }),
	"weights":             weightsSchema.rule(),
	"token":               secretRule(func(s *ServiceDefinition, v Secret) error { s.Token = v; return nil }),
	"check":               single(newCheck, checkRule, addServiceCheck),
	"checks":              listOf(newCheck, checkRule, addServiceCheck),
}.rule()

var weightsSchema = object[*ServiceDefinition]{
	"passing": intRule(1, 1<<16, func(s *ServiceDefinition, n int) { s.Weights.Passing = n }),
	"warning": intRule(0, 1<<16, func(s *ServiceDefinition, n int) { s.Weights.Warning = n }),
}

// checkRule is the schema of one check definition.
var checkRule = object[*CheckDefinition]{
	"id":         stringRule(func(c *CheckDefinition, v string) error { c.ID = v; return nil }),
	"name":       stringRule(func(c *CheckDefinition, v string) error { c.Name = v; return nil }),
	"service_id": stringRule(func(c *CheckDefinition, v string) error { c.ServiceID = v; return nil }),
	"http":       stringRule(func(c *CheckDefinition, v string) error { c.HTTP = v; return nil }),
	"method":     stringRule(func(c *CheckDefinition, v string) error { c.Method = v; return nil }),
	"header":     headerRule,
	"tcp":        stringRule(func(c *CheckDefinition, v string) error { c.TCP = v; return nil }),
	"grpc":       stringRule(func(c *CheckDefinition, v string) error { c.GRPC = v; return nil }),
	"ttl":        durationRule(true, func(c *CheckDefinition, d time.Duration) { c.TTL = d }),
	"args":       stringListRule(func(c *CheckDefinition, v []string) error { c.Args = v; return nil }),
	"interval":   durationRule(true, func(c *CheckDefinition, d time.Duration) { c.Interval = d }),
	"timeout":    durationRule(true, func(c *CheckDefinition, d time.Duration) { c.Timeout = d }),
	"deregister_critical_service_after": durationRule(true, func(c *CheckDefinition, d time.Duration) {
		c.DeregisterCriticalServiceAfter = d
	}),
	"status": stringRule(func(c *CheckDefinition, v string) error {
		return oneOf(&c.Status, v, "", "passing", "warning", "critical")
	}),
	"notes": stringRule(func(c *CheckDefinition, v string) error { c.Notes = v; return nil }),
	"token": secretRule(func(c *CheckDefinition, v Secret) error { c.Token = v; return nil }),
}.rule()

// headerRule accepts {"Name": ["value", ...]}.
func headerRule(c *CheckDefinition, v any, at string) error {
	m, ok := v.(map[string]any)
	if !ok {
		return mismatch(at, "an object of string lists", v)
	}
	c.Header = make(map[string][]string, len(m))
	for _, name := range sortedKeys(m) {
		e := m[name]
		list, ok := e.([]any)
		if !ok {
			return mismatch(child(at, name), "a list of strings", e)
		}
		for i, item := range list {
			s, ok := item.(string)
			if !ok {
				return mismatch(index(child(at, name), i), "a string", item)
			}
			c.Header[name] = append(c.Header[name], s)
		}
	}
	return nil
}

// newService starts a service definition with Consul's default weights.
func newService() *ServiceDefinition {
	return &ServiceDefinition{Weights: Weights{Passing: 1, Warning: 1}}
}

func newCheck() *CheckDefinition { return &CheckDefinition{} }

// addServiceCheck checks and keeps a check nested in a service; addService
// fills its defaults once the service's ID is known.
func addServiceCheck(s *ServiceDefinition, c *CheckDefinition, at string) error {
	if err := validateCheck(c, at); err != nil {
		return err
	}
	s.Checks = append(s.Checks, *c)
	return nil
}

// addService fills a service's defaults, checks it and keeps it.
func addService(b *builder, s *ServiceDefinition, at string) error {
	if s.Name == "" {
		return keyErr(child(at, "name"), "must be set")
	}
	if s.ID == "" {
		s.ID = s.Name
	}
	for i := range s.Checks {
		c := &s.Checks[i]
		if c.ServiceID != "" && c.ServiceID != s.ID {
			return keyErr(child(at, "checks"), "service_id %q must be the enclosing service's id %q or unset", c.ServiceID, s.ID)
		}
		c.ServiceID = s.ID
		if c.ID == "" {
			c.ID = "service:" + s.ID
			if len(s.Checks) > 1 {
				c.ID += ":" + strconv.Itoa(i+1)
			}
		}
		if c.Name == "" {
			c.Name = fmt.Sprintf("Service '%s' check", s.Name)
		}
	}
	b.c.Services = append(b.c.Services, *s)
	return nil
}

// addCheck fills a top-level check's defaults, checks it and keeps it.
func addCheck(b *builder, c *CheckDefinition, at string) error {
	if c.Name == "" {
		return keyErr(child(at, "name"), "must be set")
	}
	if c.ID == "" {
		c.ID = c.Name
	}
	if err := validateCheck(c, at); err != nil {
		return err
	}
	b.c.Checks = append(b.c.Checks, *c)
	return nil
}

// validateCheck checks that a definition names exactly one kind of check
// and has the timing its kind needs.
func validateCheck(c *CheckDefinition, at string) error {
	kinds := 0
	for _, set := range []bool{c.HTTP != "", c.TCP != "", c.GRPC != "", c.TTL > 0, len(c.Args) > 0} {
		if set {
			kinds++
		}
	}
	switch {
	case kinds != 1:
		return keyErr(at, "must set exactly one of http, tcp, grpc, ttl, args")
	case c.TTL == 0 && c.Interval <= 0:
		return keyErr(child(at, "interval"), "must be set for http, tcp, grpc and args checks")
	case c.HTTP == "" && (c.Method != "" || c.Header != nil):
		return keyErr(at, "method and header apply only to http checks")
	}
	return nil
}
