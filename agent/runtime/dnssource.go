package runtime

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/cairn-sd/cairn/acl"
	"github.com/cairn-sd/cairn/agent/dns"
	"github.com/cairn-sd/cairn/catalog"
)

// relaySource answers DNS queries from a server: each lookup is a stale
// read relayed as the HTTP API would relay it (DNS allows stale answers by
// default, as Consul's allow_stale does). With dc empty it reads a server
// of the agent's own datacenter (a client agent's DNS); with dc set, a
// server of that datacenter across the WAN. Each read carries token, or
// the agent's default token when it is empty, and the server that answers
// filters by it.
type relaySource struct {
	a     *Agent
	dc    string
	token string
}

// get relays GET path?query&stale and decodes the JSON answer into v. It
// reports false for a 404, and dns.ErrUnknownDatacenter when no server
// knows a path to dc.
func (s relaySource) get(path string, query url.Values, v any) (uint64, bool, error) {
	query.Set("stale", "")
	req, err := http.NewRequestWithContext(context.Background(), http.MethodGet, path+"?"+query.Encode(), http.NoBody)
	if err != nil {
		return 0, false, fmt.Errorf("dns lookup %s: %w", path, err)
	}
	ctx, cancel := context.WithTimeout(s.a.baseCtx, relayTimeout)
	defer cancel()
	if token := cmp.Or(s.token, s.a.defaultToken()); token != "" {
		req.Header.Set("X-Consul-Token", token)
	}
	rec := &recorder{header: http.Header{}, status: http.StatusOK}
	if s.dc == "" {
		err = s.a.relay(rec, req.WithContext(ctx), "")
	} else {
		err = s.a.relayTo(rec, req.WithContext(ctx), s.dc)
	}
	if err == errNoPath {
		return 0, false, fmt.Errorf("dns lookup %s in %s: %w", path, s.dc, dns.ErrUnknownDatacenter)
	}
	if err != nil {
		return 0, false, fmt.Errorf("dns lookup %s: %w", path, err)
	}
	index, _ := strconv.ParseUint(rec.header.Get("X-Consul-Index"), 10, 64)
	switch rec.status {
	case http.StatusOK:
	case http.StatusNotFound:
		return index, false, nil
	default:
		return 0, false, fmt.Errorf("dns lookup %s: server answered %d: %s", path, rec.status, strings.TrimSpace(rec.body.String()))
	}
	if err := json.Unmarshal(rec.body.Bytes(), v); err != nil {
		return 0, false, fmt.Errorf("dns lookup %s: %w", path, err)
	}
	return index, true, nil
}

// Node returns the node name, exactly or else without regard to case.
func (s relaySource) Node(name string) (*catalog.Node, uint64, error) {
	var entry struct{ Node *catalog.Node }
	index, found, err := s.get("/v1/catalog/node/"+url.PathEscape(name), url.Values{}, &entry)
	if err != nil || (found && entry.Node != nil) {
		return entry.Node, index, err
	}
	nodes, index, err := s.Nodes()
	for _, n := range nodes {
		if strings.EqualFold(n.Node, name) {
			return n, index, err
		}
	}
	return nil, index, err
}

// Nodes returns every node.
func (s relaySource) Nodes() ([]*catalog.Node, uint64, error) {
	var nodes []*catalog.Node
	index, _, err := s.get("/v1/catalog/nodes", url.Values{}, &nodes)
	return nodes, index, err
}

// ServiceInstances returns the health view of the service's instances
// carrying tag.
func (s relaySource) ServiceInstances(name, tag string) ([]*catalog.CheckServiceNode, uint64, error) {
	q := url.Values{}
	if tag != "" {
		q.Set("tag", tag)
	}
	var out []*catalog.CheckServiceNode
	index, _, err := s.get("/v1/health/service/"+url.PathEscape(name), q, &out)
	return out, index, err
}

// ExecuteQuery runs a prepared query on the server the reads go to.
func (s relaySource) ExecuteQuery(nameOrID string) (*dns.QueryAnswer, error) {
	var out queryResult
	_, found, err := s.get("/v1/query/"+url.PathEscape(nameOrID)+"/execute", url.Values{}, &out)
	if err != nil || !found {
		return nil, err
	}
	return out.dnsAnswer(), nil
}

// serverSource is the DNS Source of a server agent: its own catalog, and
// prepared queries executed here with the agent's default token.
type serverSource struct {
	dns.StateSource
	a *Agent
}

// ExecuteQuery resolves and runs a prepared query; nil when there is none.
func (s serverSource) ExecuteQuery(nameOrID string) (*dns.QueryAnswer, error) {
	_, q, err := s.State.QueryResolve(nil, nameOrID)
	if err != nil || q == nil {
		return nil, err
	}
	token := s.a.defaultToken()
	az := acl.AllowAll()
	if s.a.acl != nil {
		if az, err = s.a.authorizerFor(s.a.baseCtx, token); err != nil {
			return nil, err
		}
	}
	res, err := s.a.executeQuery(s.a.baseCtx, nil, q, az, token, "", 0)
	if err != nil {
		return nil, err
	}
	return res.dnsAnswer(), nil
}

// dnsAnswer is the execution as the DNS server takes it.
func (res *queryResult) dnsAnswer() *dns.QueryAnswer {
	ans := &dns.QueryAnswer{Nodes: res.Nodes, Datacenter: res.Datacenter}
	if ttl, err := time.ParseDuration(res.DNS.TTL); err == nil && res.DNS.TTL != "" {
		ans.TTL, ans.HasTTL = ttl, true
	}
	return ans
}

// aclSource filters another source to what the agent's default token
// (acl.tokens.default, else anonymous) may read, as Consul's DNS does.
type aclSource struct {
	inner dns.Source
	a     *Agent
}

// authorizer resolves the default token; on failure nothing is readable.
func (s aclSource) authorizer() *acl.Authorizer {
	az, err := s.a.authorizerFor(s.a.baseCtx, s.a.defaultToken())
	if err != nil {
		return acl.DenyAll()
	}
	return az
}

// Node returns the node if the token may read it.
func (s aclSource) Node(name string) (*catalog.Node, uint64, error) {
	n, idx, err := s.inner.Node(name)
	if n != nil && !canReadNode(s.authorizer(), n) {
		return nil, idx, err
	}
	return n, idx, err
}

// Nodes returns the nodes the token may read.
func (s aclSource) Nodes() ([]*catalog.Node, uint64, error) {
	nodes, idx, err := s.inner.Nodes()
	return visible(s.authorizer(), nodes, canReadNode), idx, err
}

// ExecuteQuery runs a prepared query through the inner source, which
// executes it with the same default token; a source that runs no queries
// finds none.
func (s aclSource) ExecuteQuery(nameOrID string) (*dns.QueryAnswer, error) {
	qs, ok := s.inner.(dns.QuerySource)
	if !ok {
		return nil, nil
	}
	return qs.ExecuteQuery(nameOrID)
}

// ServiceInstances returns the instances if the token may read the
// service, on the nodes it may read.
func (s aclSource) ServiceInstances(name, tag string) ([]*catalog.CheckServiceNode, uint64, error) {
	az := s.authorizer()
	rows, idx, err := s.inner.ServiceInstances(name, tag)
	if az.ServiceRead(name) != acl.Allow {
		return nil, idx, err
	}
	return visible(az, rows, func(az *acl.Authorizer, row *catalog.CheckServiceNode) bool { return canReadNode(az, row.Node) }), idx, err
}
