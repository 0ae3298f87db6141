package runtime

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"

	"github.com/cairn-sd/cairn/acl"
	"github.com/cairn-sd/cairn/agent/core"
)

// ACLs across datacenters, as the HTTP layer sees them. ACLs are
// authoritative in primary_datacenter; a secondary's servers hold a
// replica (core/aclreplication.go). Three things follow here:
//
//   - GET /v1/acl/replication reports the replication in Consul's JSON
//     shape: the leader's routine answers, whichever server the request
//     reaches. As in Consul it needs no token, so that an operator can
//     diagnose replication whatever state the ACLs are in, and it answers
//     with Enabled false in the primary or with ACLs off. Times are UTC.
//   - A secret the replica lacks is resolved in the primary
//     (resolveInPrimary), and a write of a global ACL object is relayed to
//     the primary (globalACLWriteTarget), which answers it.

// aclReplication serves GET /v1/acl/replication.
func (a *Agent) aclReplication(w http.ResponseWriter, r *http.Request, _ string) error {
	type outcome struct {
		st  core.ACLReplicationStatus
		err error
	}
	o, err := onLoop(r.Context(), a, func(reply func(outcome)) {
		a.server.ACLReplicationStatus(func(st core.ACLReplicationStatus, err error) { reply(outcome{st, err}) })
	})
	if err != nil {
		return err
	}
	if o.err != nil {
		return o.err
	}
	o.st.LastSuccess, o.st.LastError = o.st.LastSuccess.UTC(), o.st.LastError.UTC()
	writeJSON(w, r, o.st)
	return nil
}

// resolveInPrimary resolves, on a server of a secondary datacenter, a
// secret its replica lacks, by asking the primary (core.Server.ResolveToken).
// When the primary cannot be reached the token is unknown here, and the
// down policy decides: allow grants everything, any other policy nothing.
func (a *Agent) resolveInPrimary(ctx context.Context, secret string) (*acl.Authorizer, error) {
	type outcome struct {
		rt  core.ResolvedToken
		err error
	}
	o, err := onLoop(ctx, a, func(reply func(outcome)) {
		a.server.ResolveToken(secret, func(rt core.ResolvedToken, err error) { reply(outcome{rt, err}) })
	})
	if err != nil {
		return nil, err
	}
	switch {
	case errors.Is(o.err, acl.ErrNotFound):
		return nil, acl.ErrNotFound
	case o.err != nil && a.acl.down == acl.DownAllow:
		return acl.AllowAll(), nil
	case o.err != nil:
		return acl.DenyAll(), nil
	}
	return o.rt.Authorizer(a.acl.resolver)
}

// globalACLWriteTarget returns the primary datacenter when a server of a
// secondary receives a write of a global ACL object (a bootstrap, any
// policy, a token not marked Local), which is then relayed there as Consul
// forwards it: the primary applies it and answers, and the object comes
// back with the next round of replication. Anything else answers "" and is
// served here, and so is a request that names its datacenter (?dc=),
// which is relayed there. A token's scope is its stored one when it exists, else the
// request body's Local flag; the body is put back for the handler.
func (a *Agent) globalACLWriteTarget(r *http.Request, path, rest string) string {
	if a.acl == nil || a.server == nil || a.cfg.PrimaryDatacenter == a.cfg.Datacenter ||
		a.remoteDatacenter(r) != "" || (r.Method != http.MethodPut && r.Method != http.MethodDelete) {
		return ""
	}
	switch path {
	case "/v1/acl/bootstrap", "/v1/acl/policy", "/v1/acl/policy/":
		return a.cfg.PrimaryDatacenter
	case "/v1/acl/token/":
		if _, tok := a.server.Catalog().ACLTokenGet(nil, rest); tok != nil {
			return a.primaryUnless(tok.Local)
		}
		if r.Method == http.MethodDelete {
			return ""
		}
	case "/v1/acl/token":
	default:
		return ""
	}
	body, err := readLimited(r, maxJSONBodyBytes)
	if err != nil {
		return ""
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	var scope struct{ Local bool }
	if json.Unmarshal(body, &scope) != nil {
		return ""
	}
	return a.primaryUnless(scope.Local)
}

// primaryUnless returns the primary datacenter unless local is set.
func (a *Agent) primaryUnless(local bool) string {
	if local {
		return ""
	}
	return a.cfg.PrimaryDatacenter
}

// aclDownPolicy is acl.down_policy as parsed, or Consul's default when
// ACLs are off.
func (a *Agent) aclDownPolicy() acl.DownPolicy {
	if a.acl == nil {
		return acl.DownExtendCache
	}
	return a.acl.down
}
