package runtime

import (
	"cmp"
	"fmt"
	"time"

	"github.com/cairn-sd/cairn/agent/core"
	"github.com/cairn-sd/cairn/catalog"
)

// Check types, as Consul reports them in a check's Type.
const (
	checkTypeTTL    = "ttl"
	checkTypeHTTP   = "http"
	checkTypeTCP    = "tcp"
	checkTypeUDP    = "udp"
	checkTypeGRPC   = "grpc"
	checkTypeScript = "script"
)

// serviceRegistration is the body of PUT /v1/agent/service/register as the
// official client sends it (api.AgentServiceRegistration). Fields the
// catalog does not keep (Kind, Proxy, Connect, SocketPath) are ignored.
type serviceRegistration struct {
	ID                string
	Name              string
	Tags              []string
	Port              int
	Address           string
	TaggedAddresses   map[string]catalog.ServiceAddress
	EnableTagOverride bool
	Meta              map[string]string
	Weights           *catalog.Weights
	Check             *serviceCheck
	Checks            []*serviceCheck
}

// serviceCheck is a check inside a service registration
// (api.AgentServiceCheck). Durations are Go duration strings.
type serviceCheck struct {
	CheckID                        string
	ID                             string
	Name                           string
	ServiceID                      string
	Status                         string
	Notes                          string
	TTL                            catalog.Duration
	Interval                       catalog.Duration
	Timeout                        catalog.Duration
	DeregisterCriticalServiceAfter catalog.Duration
	HTTP                           string
	Header                         map[string][]string
	Method                         string
	Body                           string
	TCP                            string
	UDP                            string
	GRPC                           string
	GRPCUseTLS                     bool
	TLSServerName                  string
	TLSSkipVerify                  bool
	ScriptArgs                     []string
	Args                           []string
}

// decodeServiceRegistration decodes and checks an agent service
// registration body, in Consul's spelling or in snake_case.
func decodeServiceRegistration(b []byte) (*serviceRegistration, error) {
	var reg serviceRegistration
	if err := decodeJSON(normaliseKeys(b), &reg); err != nil {
		return nil, err
	}
	if reg.Name == "" {
		return nil, badRequest("Missing service name")
	}
	if reg.ID == "" {
		reg.ID = reg.Name
	}
	for _, c := range reg.allChecks() {
		if c == nil {
			return nil, badRequest("Invalid check: null")
		}
		switch c.Status {
		case "", catalog.HealthPassing, catalog.HealthWarning, catalog.HealthCritical:
		default:
			return nil, badRequest("Invalid check status: %q", c.Status)
		}
	}
	return &reg, nil
}

func (reg *serviceRegistration) allChecks() []*serviceCheck {
	var all []*serviceCheck
	if reg.Check != nil {
		all = append(all, reg.Check)
	}
	return append(all, reg.Checks...)
}

// toLocal turns the registration into the local state's service and
// checks. Check IDs default as in Consul: "service:<id>" for a single
// check, "service:<id>:<n>" (from 1) for several.
// Script checks are refused unless scripts is true.
func (reg *serviceRegistration) toLocal(scripts bool) (catalog.Service, []core.LocalCheck, error) {
	svc := catalog.Service{
		ID: reg.ID, Service: reg.Name, Tags: reg.Tags, Address: reg.Address, Port: reg.Port,
		Meta: reg.Meta, TaggedAddresses: reg.TaggedAddresses, EnableTagOverride: reg.EnableTagOverride,
	}
	if reg.Weights != nil {
		svc.Weights = *reg.Weights
	}
	all := reg.allChecks()
	var checks []core.LocalCheck
	for i, c := range all {
		lc, err := c.toLocal(reg.ID, reg.Name, i, len(all), scripts)
		if err != nil {
			return svc, nil, err
		}
		checks = append(checks, lc)
	}
	return svc, checks, nil
}

// toLocal turns a check definition into a local check: the i-th of n
// checks of the service serviceID (named serviceName), or a node check
// when serviceID is empty.
func (c *serviceCheck) toLocal(serviceID, serviceName string, i, n int, scripts bool) (core.LocalCheck, error) {
	if err := c.validate(scripts); err != nil {
		return core.LocalCheck{}, err
	}
	id := cmp.Or(c.CheckID, c.ID)
	if id == "" && serviceName != "" {
		id = "service:" + serviceID
		if n > 1 {
			id = fmt.Sprintf("service:%s:%d", serviceID, i+1)
		}
	}
	id = cmp.Or(id, c.Name)
	name := c.Name
	if name == "" && serviceName != "" {
		name = fmt.Sprintf("Service '%s' check", serviceName)
	}
	return core.LocalCheck{
		HealthCheck: catalog.HealthCheck{
			CheckID: id, Name: name, Status: cmp.Or(c.Status, catalog.HealthCritical), Notes: c.Notes,
			ServiceID: serviceID, Type: c.checkType(),
			Definition: catalog.HealthCheckDefinition{
				HTTP: c.HTTP, Header: c.Header, Method: c.Method, Body: c.Body, TCP: c.TCP,
				TLSServerName: c.TLSServerName, TLSSkipVerify: c.TLSSkipVerify,
				Interval: c.Interval, Timeout: c.Timeout,
				DeregisterCriticalServiceAfter: c.DeregisterCriticalServiceAfter,
			},
		},
		TTL:                            time.Duration(c.TTL),
		DeregisterCriticalServiceAfter: time.Duration(c.DeregisterCriticalServiceAfter),
		ScriptArgs:                     c.scriptArgs(),
	}, nil
}

// scriptArgs is the command of a script check, in either spelling.
func (c *serviceCheck) scriptArgs() []string {
	if len(c.Args) > 0 {
		return c.Args
	}
	return c.ScriptArgs
}

// validate refuses a check the agent cannot run, with Consul's reasons;
// scripts says whether script checks are enabled for this source.
func (c *serviceCheck) validate(scripts bool) error {
	switch c.checkType() {
	case checkTypeTTL:
		return nil
	case checkTypeScript:
		if !scripts {
			return badRequest("Scripts are disabled on this agent; to enable, configure 'enable_script_checks' or 'enable_local_script_checks' to true")
		}
		fallthrough
	case checkTypeHTTP, checkTypeTCP:
		if c.Interval <= 0 {
			return badRequest("Interval must be > 0 for Script, HTTP, or TCP checks")
		}
		return nil
	case checkTypeUDP, checkTypeGRPC:
		return badRequest("%s checks are not supported by cairn; use an HTTP, TCP or TTL check", c.checkType())
	}
	return badRequest("Must provide TTL or HTTP/TCP with an Interval")
}

// checkType names the kind of check, as Consul's Type field does.
func (c *serviceCheck) checkType() string {
	switch {
	case c.TTL > 0:
		return checkTypeTTL
	case c.HTTP != "":
		return checkTypeHTTP
	case c.TCP != "":
		return checkTypeTCP
	case c.UDP != "":
		return checkTypeUDP
	case c.GRPC != "":
		return checkTypeGRPC
	case len(c.ScriptArgs) > 0 || len(c.Args) > 0:
		return checkTypeScript
	}
	return ""
}
