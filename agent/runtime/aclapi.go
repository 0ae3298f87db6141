package runtime

import (
	"crypto/rand"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/cairn-sd/cairn/acl"
	"github.com/cairn-sd/cairn/agent/core"
	"github.com/cairn-sd/cairn/catalog"
)

// The /v1/acl endpoints: bootstrap, tokens and policies, in Consul's
// shapes. They are served by servers (a client relays them); reading or
// changing tokens and policies needs acl read or write, except reading the
// token one presents (/v1/acl/token/self).

// aclError maps the catalog's refusals of ACL writes to statuses.
func aclError(err error) error {
	switch {
	case errors.Is(err, acl.ErrBootstrapNotAllowed), errors.Is(err, acl.ErrBootstrapResetMismatch):
		return &httpError{http.StatusForbidden, err.Error()}
	case errors.Is(err, catalog.ErrACLPolicyNotFound), errors.Is(err, catalog.ErrInvalidACLPolicy), errors.Is(err, catalog.ErrInvalidACLToken),
		errors.Is(err, catalog.ErrACLPolicyNameExists), errors.Is(err, catalog.ErrACLBuiltinPolicy),
		errors.Is(err, catalog.ErrACLSecretInUse), errors.Is(err, catalog.ErrACLSecretImmutable),
		errors.Is(err, catalog.ErrACLLocalImmutable), errors.Is(err, catalog.ErrACLAnonymousToken),
		errors.Is(err, catalog.ErrMissingACLPolicyID), errors.Is(err, catalog.ErrACLTokenExists):
		return &httpError{http.StatusBadRequest, err.Error()}
	}
	return err
}

// aclGuard refuses the ACL endpoints while ACLs are off and checks the
// request's token against decide.
func (a *Agent) aclGuard(r *http.Request, decide func(*acl.Authorizer) acl.Decision) (*acl.Authorizer, error) {
	if a.acl == nil {
		return nil, errACLDisabled
	}
	az, err := a.authorizer(r)
	if err != nil {
		return nil, err
	}
	if decide != nil {
		return az, permission(decide(az))
	}
	return az, nil
}

func aclRead(az *acl.Authorizer) acl.Decision  { return az.ACLRead() }
func aclWrite(az *acl.Authorizer) acl.Decision { return az.ACLWrite() }

// aclBootstrap serves PUT /v1/acl/bootstrap.
func (a *Agent) aclBootstrap(w http.ResponseWriter, r *http.Request, _ string) error {
	if a.acl == nil {
		return errACLDisabled
	}
	accessor, err := core.NewUUID(rand.Reader)
	if err != nil {
		return err
	}
	secret, err := core.NewUUID(rand.Reader)
	if err != nil {
		return err
	}
	type outcome struct {
		r   catalog.Result
		err error
	}
	o, err := onLoop(r.Context(), a, func(reply func(outcome)) {
		a.server.ACLBootstrap(accessor, secret, func(res catalog.Result, err error) { reply(outcome{res, err}) })
	})
	if err == nil {
		err = o.err
	}
	if err == nil {
		err = o.r.Err
	}
	if err != nil {
		return aclError(err)
	}
	return a.writeToken(w, r, accessor, true)
}

// writeToken answers the token with accessor, once this server has
// applied the write that made it; withSecret shows its SecretID.
func (a *Agent) writeToken(w http.ResponseWriter, r *http.Request, accessor string, withSecret bool) error {
	if err := a.leaderRead(r.Context()); err != nil {
		return err
	}
	_, tok := a.server.Catalog().ACLTokenGet(nil, accessor)
	if tok == nil {
		return notFound("ACL not found")
	}
	out := *tok
	if !withSecret {
		out.SecretID = acl.RedactedSecret
	}
	writeJSON(w, r, out)
	return nil
}

// tokenBody is the body of a token create or update
// (api.ACLToken, with ExpirationTTL as a duration string).
type tokenBody struct {
	AccessorID     string
	SecretID       string
	Description    string
	Policies       []acl.PolicyLink
	Local          bool
	ExpirationTime *time.Time
	ExpirationTTL  catalog.Duration
}

// aclTokenCreate serves PUT /v1/acl/token.
func (a *Agent) aclTokenCreate(w http.ResponseWriter, r *http.Request, _ string) error {
	if _, err := a.aclGuard(r, aclWrite); err != nil {
		return err
	}
	return a.setToken(w, r, "")
}

// aclToken serves GET, PUT and DELETE /v1/acl/token/<accessor|self>.
func (a *Agent) aclToken(w http.ResponseWriter, r *http.Request, id string) error {
	if id == "self" && r.Method == http.MethodGet {
		if _, err := a.aclGuard(r, nil); err != nil {
			return err
		}
		_, tok := a.server.Catalog().ACLTokenBySecret(nil, secretOf(r))
		if tok == nil {
			return errACLNotFound
		}
		writeJSON(w, r, tok)
		return nil
	}
	decide := aclWrite
	if r.Method == http.MethodGet {
		decide = aclRead
	}
	az, err := a.aclGuard(r, decide)
	if err != nil {
		return err
	}
	switch r.Method {
	case http.MethodGet:
		return a.writeToken(w, r, id, az.ACLWrite() == acl.Allow)
	case http.MethodPut:
		return a.setToken(w, r, id)
	}
	if _, err := a.apply(r.Context(), &catalog.ACLTokenDeleteRequest{AccessorID: id}); err != nil {
		return aclError(err)
	}
	writeBool(w, true)
	return nil
}

// setToken creates (accessor "") or updates a token from the body.
func (a *Agent) setToken(w http.ResponseWriter, r *http.Request, accessor string) error {
	var b tokenBody
	if err := decodeBody(r, &b); err != nil {
		return err
	}
	tok := acl.Token{AccessorID: b.AccessorID, SecretID: b.SecretID, Description: b.Description,
		Policies: b.Policies, Local: b.Local, ExpirationTime: b.ExpirationTime}
	if accessor != "" {
		if b.AccessorID != "" && b.AccessorID != accessor {
			return badRequest("Token Accessor ID in URL and payload do not match")
		}
		tok.AccessorID = accessor
	}
	if err := fillTokenIDs(&tok, accessor == ""); err != nil {
		return err
	}
	if b.ExpirationTTL > 0 && tok.ExpirationTime == nil {
		exp := time.Now().Add(time.Duration(b.ExpirationTTL)).UTC()
		tok.ExpirationTime = &exp
	}
	cmd := &catalog.ACLTokenSetRequest{Token: tok, Now: catalog.TimestampOf(a.env.Now())}
	if _, err := a.apply(r.Context(), cmd); err != nil {
		return aclError(err)
	}
	return a.writeToken(w, r, tok.AccessorID, true)
}

// fillTokenIDs draws the IDs a new token lacks.
func fillTokenIDs(tok *acl.Token, create bool) error {
	var err error
	if tok.AccessorID == "" {
		tok.AccessorID, err = core.NewUUID(rand.Reader)
	}
	if err == nil && create && tok.SecretID == "" {
		tok.SecretID, err = core.NewUUID(rand.Reader)
	}
	return err
}

// aclTokenList serves GET /v1/acl/tokens; secrets show with acl write.
func (a *Agent) aclTokenList(w http.ResponseWriter, r *http.Request, _ string) error {
	az, err := a.aclGuard(r, aclRead)
	if err != nil {
		return err
	}
	return a.serveRead(w, r, func(ws *catalog.WatchSet) (uint64, any, error) {
		idx, toks := a.server.Catalog().ACLTokenList(ws)
		out := make([]acl.Token, 0, len(toks))
		for _, t := range toks {
			v := *t
			if az.ACLWrite() != acl.Allow {
				v.SecretID = acl.RedactedSecret
			}
			out = append(out, v)
		}
		return idx, out, nil
	})
}

// aclPolicyCreate serves PUT /v1/acl/policy.
func (a *Agent) aclPolicyCreate(w http.ResponseWriter, r *http.Request, _ string) error {
	if _, err := a.aclGuard(r, aclWrite); err != nil {
		return err
	}
	return a.setPolicy(w, r, "")
}

// aclPolicy serves GET, PUT and DELETE /v1/acl/policy/<id> and GET
// /v1/acl/policy/name/<name>.
func (a *Agent) aclPolicy(w http.ResponseWriter, r *http.Request, id string) error {
	decide := aclWrite
	if r.Method == http.MethodGet {
		decide = aclRead
	}
	if _, err := a.aclGuard(r, decide); err != nil {
		return err
	}
	switch r.Method {
	case http.MethodGet:
		if err := a.leaderRead(r.Context()); err != nil {
			return err
		}
		var p *acl.Policy
		if name, ok := strings.CutPrefix(id, "name/"); ok {
			_, p = a.server.Catalog().ACLPolicyByName(nil, name)
		} else {
			_, p = a.server.Catalog().ACLPolicyGet(nil, id)
		}
		if p == nil {
			return notFound("ACL policy not found")
		}
		writeJSON(w, r, p)
		return nil
	case http.MethodPut:
		return a.setPolicy(w, r, id)
	}
	if _, err := a.apply(r.Context(), &catalog.ACLPolicyDeleteRequest{ID: id}); err != nil {
		return aclError(err)
	}
	writeBool(w, true)
	return nil
}

// setPolicy creates (id "") or updates a policy from the body.
func (a *Agent) setPolicy(w http.ResponseWriter, r *http.Request, id string) error {
	var p acl.Policy
	if err := decodeBody(r, &p); err != nil {
		return err
	}
	if id != "" {
		if p.ID != "" && p.ID != id {
			return badRequest("Policy ID in URL and payload do not match")
		}
		p.ID = id
	}
	if p.ID == "" {
		var err error
		if p.ID, err = core.NewUUID(rand.Reader); err != nil {
			return err
		}
	}
	if _, err := a.apply(r.Context(), &catalog.ACLPolicySetRequest{Policy: p}); err != nil {
		return aclError(err)
	}
	if err := a.leaderRead(r.Context()); err != nil {
		return err
	}
	_, stored := a.server.Catalog().ACLPolicyGet(nil, p.ID)
	writeJSON(w, r, stored)
	return nil
}

// aclPolicyList serves GET /v1/acl/policies.
func (a *Agent) aclPolicyList(w http.ResponseWriter, r *http.Request, _ string) error {
	if _, err := a.aclGuard(r, aclRead); err != nil {
		return err
	}
	return a.serveRead(w, r, func(ws *catalog.WatchSet) (uint64, any, error) {
		idx, list := a.server.Catalog().ACLPolicyList(ws)
		return idx, nonNil(list), nil
	})
}
