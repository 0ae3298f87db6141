package runtime

import (
	"cmp"
	"context"
	"math/rand/v2"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"go.uber.org/zap"

	"github.com/cairn-sd/cairn/acl"
	"github.com/cairn-sd/cairn/catalog"
)

// Executing a prepared query, as Consul does: read the service's
// instances in the local datacenter, keep those the query's rules accept
// (tags, "!tag" exclusions, node and service metadata, and health: a
// critical check drops an instance unless the query ignores that check,
// a warning one drops it only with OnlyPassing), and order them: nearest
// first from ?near (or the query's Near), else shuffled, so that clients
// spread their load. When no instance is left, the failover takes over:
// the NearestN nearest other datacenters by WAN round trip
// (Server.Datacenters), then the query's Datacenters in order, each read
// across the WAN as a stale /v1/health/service read that carries the
// query's token (or the caller's); the first datacenter with an instance
// answers, and Failovers counts the datacenters asked. A datacenter that
// fails is logged and skipped, as in Consul.

// queryResult is the answer of /v1/query/<id>/execute, with the field
// names of Consul's PreparedQueryExecuteResponse.
type queryResult struct {
	Service    string
	Nodes      []*catalog.CheckServiceNode
	DNS        catalog.QueryDNS
	Datacenter string
	Failovers  int

	index uint64 // the local catalog index the answer reflects
}

// executeQuery runs q (already resolved and rendered). az, or the
// authorizer of the query's own Token when it has one, filters the local
// instances and the checks shown with them as /v1/health/service does
// (after the health rule has seen every check); token is carried to
// other datacenters when the query has no Token. near and limit are the
// request's ?near and ?limit (0: no limit).
func (a *Agent) executeQuery(ctx context.Context, ws *catalog.WatchSet, q *catalog.PreparedQuery,
	az *acl.Authorizer, token, near string, limit int) (*queryResult, error) {
	if q.Token != "" {
		token = q.Token
		if a.acl != nil {
			var err error
			if az, err = a.authorizerFor(ctx, q.Token); err != nil {
				return nil, err
			}
		}
	}
	sq := q.Service
	res := &queryResult{Service: sq.Service, DNS: q.DNS, Datacenter: a.cfg.Datacenter}
	idx, rows, err := a.server.Catalog().CheckServiceNodes(ws, sq.Service, catalog.Query{})
	if err != nil {
		return nil, err
	}
	res.index = idx
	if az.ServiceRead(sq.Service) != acl.Allow {
		rows = nil
	}
	rows = queryRows(sq, visible(az, rows, func(az *acl.Authorizer, row *catalog.CheckServiceNode) bool { return canReadNode(az, row.Node) }))
	for _, row := range rows {
		row.Checks = nonNil(filterChecks(az, row.Checks))
	}
	shuffleRows(rows)
	if near = cmp.Or(near, sq.Near); near != "" {
		nearReq := &http.Request{URL: &url.URL{RawQuery: url.Values{"near": {near}}.Encode()}}
		sortNear(a, nearReq, rows, func(row *catalog.CheckServiceNode) string { return row.Node.Node })
	}
	if len(rows) == 0 {
		rows = a.queryFailover(sq, token, res)
	}
	if limit > 0 && len(rows) > limit {
		rows = rows[:limit]
	}
	res.Nodes = nonNil(rows)
	return res, nil
}

// queryFailover asks the failover datacenters in turn and returns the
// first non-empty answer, setting res.Datacenter and res.Failovers.
func (a *Agent) queryFailover(sq catalog.ServiceQuery, token string, res *queryResult) []*catalog.CheckServiceNode {
	if sq.Failover.NearestN == 0 && len(sq.Failover.Datacenters) == 0 {
		return nil
	}
	var nearest []string
	if !a.env.Do(func() { nearest = a.server.Datacenters() }) {
		return nil
	}
	for _, dc := range failoverTargets(sq.Failover, a.cfg.Datacenter, nearest) {
		res.Failovers++
		rows, _, err := relaySource{a: a, dc: dc, token: token}.ServiceInstances(sq.Service, "")
		if err != nil {
			a.logger.Warn("prepared query: failover datacenter failed", zap.String("dc", dc), zap.Error(err))
			continue
		}
		if rows = queryRows(sq, rows); len(rows) > 0 {
			shuffleRows(rows)
			res.Datacenter = dc
			return rows
		}
	}
	return nil
}

// failoverTargets lists the datacenters a failover asks, in order: the
// NearestN nearest (from nearest, nearest first), then the listed ones,
// never local and never one twice.
func failoverTargets(f catalog.QueryFailover, local string, nearest []string) []string {
	seen := map[string]bool{local: true}
	var out []string
	for _, dc := range nearest {
		if len(out) == f.NearestN {
			break
		}
		if !seen[dc] {
			seen[dc] = true
			out = append(out, dc)
		}
	}
	for _, dc := range f.Datacenters {
		if !seen[dc] {
			seen[dc] = true
			out = append(out, dc)
		}
	}
	return out
}

// queryRows keeps the instances sq accepts.
func queryRows(sq catalog.ServiceQuery, rows []*catalog.CheckServiceNode) []*catalog.CheckServiceNode {
	var out []*catalog.CheckServiceNode
	for _, row := range rows {
		if row == nil || row.Node == nil || row.Service == nil {
			continue
		}
		if queryHealthy(sq, row.Checks) && queryTagsMatch(sq.Tags, row.Service.Tags) &&
			metaMatch(sq.NodeMeta, row.Node.Meta) && metaMatch(sq.ServiceMeta, row.Service.Meta) {
			out = append(out, row)
		}
	}
	return out
}

// queryHealthy applies the health rule: no critical check (ignored ones
// aside), and with OnlyPassing no warning one either.
func queryHealthy(sq catalog.ServiceQuery, checks []*catalog.HealthCheck) bool {
	for _, c := range checks {
		if slices.Contains(sq.IgnoreCheckIDs, c.CheckID) {
			continue
		}
		if c.Status == catalog.HealthCritical || (sq.OnlyPassing && c.Status != catalog.HealthPassing) {
			return false
		}
	}
	return true
}

// queryTagsMatch reports whether have holds every tag of want and none of
// its "!tag" exclusions, without regard to case.
func queryTagsMatch(want, have []string) bool {
	for _, t := range want {
		excluded, negated := strings.CutPrefix(t, "!")
		found := slices.ContainsFunc(have, func(h string) bool { return strings.EqualFold(h, excluded) })
		if found == negated {
			return false
		}
	}
	return true
}

// metaMatch reports whether have holds every pair of want.
func metaMatch(want, have map[string]string) bool {
	for k, v := range want {
		if got, ok := have[k]; !ok || got != v {
			return false
		}
	}
	return true
}

// shuffleRows puts rows in a random order.
func shuffleRows(rows []*catalog.CheckServiceNode) {
	rand.Shuffle(len(rows), func(i, j int) { rows[i], rows[j] = rows[j], rows[i] })
}
