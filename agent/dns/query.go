package dns

import (
	"strings"
	"time"

	"github.com/cairn-sd/cairn/catalog"
	mdns "github.com/miekg/dns"
)

// QuerySource executes prepared queries. A Source that also implements it
// answers <query>.query[.<dc>] names; for any other Source those names
// are NXDOMAIN.
type QuerySource interface {
	// ExecuteQuery runs the prepared query of that name or ID, as
	// /v1/query/<id>/execute does, and returns nil when there is no such
	// query.
	ExecuteQuery(nameOrID string) (*QueryAnswer, error)
}

// QueryAnswer is the outcome of a prepared query: the instances to hand
// out, already filtered for health and put in order by the query's rules
// (shuffled, or nearest first), and where they were found.
type QueryAnswer struct {
	// Nodes are the instances, in the order to answer them.
	Nodes []*catalog.CheckServiceNode
	// Datacenter is where the instances are (another one after a
	// failover); SRV targets name it.
	Datacenter string
	// TTL is the query's DNS TTL; when HasTTL is false the service's
	// service_ttl applies.
	TTL    time.Duration
	HasTTL bool
}

// answerQuery answers a prepared query lookup from the query's execution:
// A/AAAA per distinct address, or SRV per instance, with the query's TTL.
// The RFC 2782 form's tag filters the instances further (_tcp does not).
func (s *Server) answerQuery(l lookup, q mdns.Question, resp *mdns.Msg, v view) {
	qs, ok := v.src.(QuerySource)
	if !ok {
		resp.Rcode = mdns.RcodeNameError
		return
	}
	ans, err := qs.ExecuteQuery(l.name)
	if err != nil {
		s.lookupFailed(resp, "query", l.name, err)
		return
	}
	if ans == nil {
		resp.Rcode = mdns.RcodeNameError
		return
	}
	var rows []*catalog.CheckServiceNode
	for _, r := range ans.Nodes {
		if r == nil || r.Node == nil || r.Service == nil || (l.tag != "" && !hasTag(r.Service.Tags, l.tag)) {
			continue
		}
		if s.cfg.allow(KindService, r.Service.Service) && s.cfg.allow(KindNode, r.Node.Node) {
			rows = append(rows, r)
		}
	}
	if len(rows) == 0 {
		resp.Rcode = mdns.RcodeNameError
		return
	}
	ttl := s.cfg.serviceTTL(rows[0].Service.Service)
	if ans.HasTTL {
		ttl = seconds(ans.TTL)
	}
	dc := ans.Datacenter
	if dc == "" {
		dc = v.dc
	}
	s.appendInstances(l, q, rows, ttl, dc, resp)
}

// hasTag reports whether tags holds tag, without regard to case.
func hasTag(tags []string, tag string) bool {
	for _, t := range tags {
		if strings.EqualFold(t, tag) {
			return true
		}
	}
	return false
}
