package runtime

import (
	"fmt"

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

// toRegister turns the registration into a catalog command for a node the
// caller fills in. Check IDs default as in Consul: "service:<id>" for a
// single check, "service:<id>:<n>" (from 1) for several.
func (reg *serviceRegistration) toRegister() *catalog.RegisterRequest {
	svc := &catalog.Service{
		ID: reg.ID, Service: reg.Name, Tags: reg.Tags, Address: reg.Address, Port: reg.Port,
		Meta: reg.Meta, TaggedAddresses: reg.TaggedAddresses, EnableTagOverride: reg.EnableTagOverride,
	}
	if reg.Weights != nil {
		svc.Weights = *reg.Weights
	}
	req := &catalog.RegisterRequest{Service: svc}
	checks := reg.allChecks()
	for i, c := range checks {
		id := c.CheckID
		if id == "" {
			id = c.ID
		}
		if id == "" {
			id = "service:" + reg.ID
			if len(checks) > 1 {
				id = fmt.Sprintf("service:%s:%d", reg.ID, i+1)
			}
		}
		name := c.Name
		if name == "" {
			name = fmt.Sprintf("Service '%s' check", reg.Name)
		}
		status := c.Status
		if status == "" {
			status = catalog.HealthCritical
		}
		req.Checks = append(req.Checks, &catalog.HealthCheck{
			CheckID: id, Name: name, Status: status, Notes: c.Notes, ServiceID: reg.ID,
			Type: c.checkType(),
			Definition: catalog.HealthCheckDefinition{
				HTTP: c.HTTP, Header: c.Header, Method: c.Method, Body: c.Body, TCP: c.TCP, UDP: c.UDP,
				GRPC: c.GRPC, GRPCUseTLS: c.GRPCUseTLS, TLSServerName: c.TLSServerName,
				TLSSkipVerify: c.TLSSkipVerify, Interval: c.Interval, Timeout: c.Timeout,
				DeregisterCriticalServiceAfter: c.DeregisterCriticalServiceAfter,
			},
		})
	}
	return req
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
