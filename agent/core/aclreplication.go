package core

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"go.uber.org/zap"

	"github.com/cairn-sd/cairn/acl"
	"github.com/cairn-sd/cairn/catalog"
	"github.com/cairn-sd/cairn/netsim"
)

// ACL replication across datacenters, as Consul does it. ACLs are
// authoritative in the primary datacenter. In every other datacenter the
// leader runs a replication routine: every ACLReplicationInterval it asks
// a server of the primary (over the WAN path, CallDatacenter) for its
// policies and, with token replication on, its global tokens (Local ones
// stay where they were made); it compares them with its own catalog and
// proposes the difference through its own Raft as one
// catalog.ACLReplicateRequest per kind, applied whole or not at all. A
// poll names the index it last replicated, and the primary answers
// "unchanged" while its table has not moved, so an idle round costs one
// small message.
//
// A failed round (the WAN is cut, the primary has no leader, the batch
// was refused) is recorded and retried after a backoff that doubles up to
// replicationBackoffMax, so a cut-off secondary neither spins nor waits
// long after the heal. The routine stops when the server stops leading;
// the next leader starts its own, from index zero.
//
// What the routine last did is its status (ACLReplicationStatus), which
// /v1/acl/replication shows; any server answers by asking its leader.

// RPC methods of ACL replication.
const (
	// methodACLReplicationList asks a server of the primary for its
	// policies or global tokens: the body is an aclReplicationQuery, the
	// answer an aclReplicationSet.
	methodACLReplicationList = "ACL.ReplicationList"
	// methodACLReplicationStatus asks a leader for its replication status.
	methodACLReplicationStatus = "ACL.ReplicationStatus"
)

// The kinds of replication: what the routine copies, as Consul names it
// in the status's ReplicationType.
const (
	ReplicationPolicies = "policies"
	ReplicationTokens   = "tokens"
)

// Replication timing.
const (
	defaultReplicationInterval = time.Second
	replicationBackoffMax      = 30 * time.Second
	replicationTimeout         = 10 * time.Second
)

// ErrNotPrimary answers a replication query sent to a datacenter that is
// not the primary.
var ErrNotPrimary = errors.New("core: this datacenter is not the ACL primary")

// ErrACLDisabled answers an ACL request to a server without ACLs; its
// text is Consul's.
var ErrACLDisabled = errors.New("ACL support disabled")

// ACLReplicationStatus is what /v1/acl/replication reports, in Consul's
// JSON shape. ReplicatedIndex and ReplicatedTokenIndex are the primary's
// policy and token table indexes as of the last successful round;
// ReplicatedRoleIndex is always zero (cairn has no roles).
type ACLReplicationStatus struct {
	Enabled              bool
	Running              bool
	SourceDatacenter     string
	ReplicationType      string
	ReplicatedIndex      uint64
	ReplicatedRoleIndex  uint64
	ReplicatedTokenIndex uint64
	LastSuccess          time.Time
	LastError            time.Time
	LastErrorMessage     string
}

// aclReplicationQuery is the body of methodACLReplicationList.
type aclReplicationQuery struct {
	Type     string
	Token    string
	MinIndex uint64 `json:",omitempty"`
}

// aclReplicationSet answers methodACLReplicationList. Unchanged says the
// table's index is still the query's MinIndex, and then the lists are
// left out.
type aclReplicationSet struct {
	Index     uint64
	Unchanged bool          `json:",omitempty"`
	Policies  []*acl.Policy `json:",omitempty"`
	Tokens    []*acl.Token  `json:",omitempty"`
}

// aclReplicator is the leader's replication routine and its status.
type aclReplicator struct {
	// term is the term the routine runs for; zero when it is stopped.
	term uint64
	// gen numbers the routine's runs, so that a callback of a stopped run
	// is ignored.
	gen     uint64
	timer   netsim.Timer
	backoff time.Duration
	status  ACLReplicationStatus
}

// decodeReplicationQuery reads the body of methodACLReplicationList.
func decodeReplicationQuery(body []byte) (aclReplicationQuery, error) {
	var q aclReplicationQuery
	if err := json.Unmarshal(body, &q); err != nil {
		return q, fmt.Errorf("core: bad replication query: %w", err)
	}
	if q.Type != ReplicationPolicies && q.Type != ReplicationTokens {
		return q, fmt.Errorf("core: bad replication query: unknown type %q", q.Type)
	}
	return q, nil
}

// decodeReplicationSet reads a primary's answer to a replication query;
// it refuses a list with a missing row, so that the diff never sees one.
func decodeReplicationSet(resp []byte) (aclReplicationSet, error) {
	var set aclReplicationSet
	if err := json.Unmarshal(resp, &set); err != nil {
		return set, fmt.Errorf("core: bad replication answer: %w", err)
	}
	if slices.Contains(set.Policies, nil) || slices.Contains(set.Tokens, nil) {
		return set, errors.New("core: bad replication answer: an empty row")
	}
	return set, nil
}

// isACLSecondary reports whether this server replicates ACLs from
// another datacenter.
func (s *Server) isACLSecondary() bool {
	return s.cfg.ACLEnabled && s.cfg.PrimaryDatacenter != "" && s.cfg.PrimaryDatacenter != s.cfg.Datacenter
}

// replicationType is what this server's routine copies.
func (s *Server) replicationType() string {
	if s.cfg.ACLTokenReplication {
		return ReplicationTokens
	}
	return ReplicationPolicies
}

// syncACLReplication runs from the role check: a leader of a secondary
// runs the routine, anyone else stops it.
func (s *Server) syncACLReplication(leading bool, term uint64) {
	r := &s.aclRepl
	switch {
	case !s.isACLSecondary():
	case leading && r.term != term:
		s.stopACLReplication()
		r.term, r.backoff = term, 0
		r.status = ACLReplicationStatus{Enabled: true, Running: true, SourceDatacenter: s.cfg.PrimaryDatacenter,
			ReplicationType: s.replicationType(), LastSuccess: r.status.LastSuccess,
			LastError: r.status.LastError, LastErrorMessage: r.status.LastErrorMessage}
		gen := r.gen
		r.timer = s.env.AfterFunc(0, func() { s.replicationRound(gen) })
		s.logger.Info("started ACL replication", zap.String("source_datacenter", s.cfg.PrimaryDatacenter),
			zap.String("type", r.status.ReplicationType))
	case !leading && r.term != 0:
		s.stopACLReplication()
	}
}

// stopACLReplication stops the routine; its pending callbacks are ignored.
func (s *Server) stopACLReplication() {
	r := &s.aclRepl
	if r.timer != nil {
		r.timer.Stop()
	}
	r.gen++
	r.term, r.timer = 0, nil
	r.status.Running = false
}

// replicationRound replicates policies, then tokens if asked to.
func (s *Server) replicationRound(gen uint64) {
	if s.stopped || gen != s.aclRepl.gen {
		return
	}
	s.replicate(gen, ReplicationPolicies, func(err error) {
		if err != nil || !s.cfg.ACLTokenReplication {
			s.finishRound(gen, err)
			return
		}
		s.replicate(gen, ReplicationTokens, func(err error) { s.finishRound(gen, err) })
	})
}

// finishRound records a round's outcome and schedules the next one.
func (s *Server) finishRound(gen uint64, err error) {
	r := &s.aclRepl
	if s.stopped || gen != r.gen {
		return
	}
	interval := cmp.Or(s.cfg.ACLReplicationInterval, defaultReplicationInterval)
	wait := interval
	if err != nil {
		r.backoff = min(max(2*r.backoff, interval), max(replicationBackoffMax, interval))
		wait = r.backoff
		r.status.LastError, r.status.LastErrorMessage = s.env.Now(), err.Error()
		s.logger.Warn("ACL replication failed; will retry", zap.Error(err), zap.Duration("backoff", wait))
	} else {
		r.backoff = 0
		r.status.LastSuccess = s.env.Now()
	}
	r.timer = s.env.AfterFunc(wait, func() { s.replicationRound(gen) })
}

// replicate runs one kind of replication: fetch, diff, apply.
func (s *Server) replicate(gen uint64, kind string, done func(error)) {
	minIndex := s.aclRepl.status.ReplicatedIndex
	if kind == ReplicationTokens {
		minIndex = s.aclRepl.status.ReplicatedTokenIndex
	}
	body, err := json.Marshal(aclReplicationQuery{Type: kind, Token: s.cfg.ACLReplicationToken, MinIndex: minIndex})
	if err != nil {
		done(fmt.Errorf("encode replication query: %w", err))
		return
	}
	s.CallDatacenter(s.cfg.PrimaryDatacenter, methodACLReplicationList, body, replicationTimeout, true,
		func(resp []byte, err error) {
			if s.stopped || gen != s.aclRepl.gen {
				return
			}
			if err != nil {
				done(fmt.Errorf("fetch %s from %s: %w", kind, s.cfg.PrimaryDatacenter, err))
				return
			}
			set, err := decodeReplicationSet(resp)
			if err != nil {
				done(fmt.Errorf("fetch %s from %s: %w", kind, s.cfg.PrimaryDatacenter, err))
				return
			}
			s.applyReplicated(gen, kind, set, done)
		})
}

// applyReplicated proposes what differs between the primary's set and
// this catalog, and records the index once it is applied.
func (s *Server) applyReplicated(gen uint64, kind string, set aclReplicationSet, done func(error)) {
	record := func() {
		if kind == ReplicationTokens {
			s.aclRepl.status.ReplicatedTokenIndex = set.Index
		} else {
			s.aclRepl.status.ReplicatedIndex = set.Index
		}
	}
	var req *catalog.ACLReplicateRequest
	if !set.Unchanged && kind == ReplicationTokens {
		_, local := s.fsm.ACLTokenList(nil)
		req = diffTokens(set.Tokens, local)
	} else if !set.Unchanged {
		_, local := s.fsm.ACLPolicyList(nil)
		req = diffPolicies(set.Policies, local)
	}
	if req == nil {
		record()
		done(nil)
		return
	}
	cmd, err := catalog.Encode(req)
	if err != nil {
		done(err)
		return
	}
	s.applyLocal(cmd, func(r catalog.Result, err error) {
		if err == nil {
			err = r.Err
		}
		if gen != s.aclRepl.gen {
			return
		}
		if err != nil {
			done(fmt.Errorf("apply replicated %s: %w", kind, err))
			return
		}
		record()
		s.logger.Debug("replicated ACLs", zap.String("type", kind), zap.Uint64("index", set.Index),
			zap.Int("upserts", len(req.PolicyUpserts)+len(req.TokenUpserts)),
			zap.Int("deletes", len(req.PolicyDeletes)+len(req.TokenDeletes)))
		done(nil)
	})
}

// diffPolicies returns the batch that makes local equal to remote, or nil
// when they are equal already.
func diffPolicies(remote, local []*acl.Policy) *catalog.ACLReplicateRequest {
	id := func(p *acl.Policy) string { return p.ID }
	upserts, deletes := diffRows(remote, local, id, samePolicy, func(*acl.Policy) bool { return true })
	if len(upserts)+len(deletes) == 0 {
		return nil
	}
	return &catalog.ACLReplicateRequest{PolicyUpserts: upserts, PolicyDeletes: deletes}
}

// diffTokens is diffPolicies for tokens. Local tokens are left out on both
// sides: the primary does not send its own, and this datacenter's are not
// the primary's to delete.
func diffTokens(remote, local []*acl.Token) *catalog.ACLReplicateRequest {
	id := func(t *acl.Token) string { return t.AccessorID }
	upserts, deletes := diffRows(remote, local, id, sameToken, func(t *acl.Token) bool { return !t.Local })
	if len(upserts)+len(deletes) == 0 {
		return nil
	}
	return &catalog.ACLReplicateRequest{TokenUpserts: upserts, TokenDeletes: deletes}
}

// diffRows compares the replicated rows (those global says are) of remote
// and local by ID: it returns the remote rows that are missing or differ
// locally, in remote's order, and the IDs of the local rows that remote no
// longer has, in local's order.
func diffRows[T any](remote, local []*T, id func(*T) string, same func(a, b *T) bool, global func(*T) bool) ([]T, []string) {
	have := map[string]*T{}
	for _, row := range local {
		if global(row) {
			have[id(row)] = row
		}
	}
	var upserts []T
	want := map[string]bool{}
	for _, row := range remote {
		if !global(row) {
			continue
		}
		want[id(row)] = true
		if old, ok := have[id(row)]; !ok || !same(old, row) {
			upserts = append(upserts, *row)
		}
	}
	var deletes []string
	for _, row := range local {
		if global(row) && !want[id(row)] {
			deletes = append(deletes, id(row))
		}
	}
	return upserts, deletes
}

// samePolicy compares what a policy says, not where it was stored.
func samePolicy(a, b *acl.Policy) bool {
	return a.Name == b.Name && a.Description == b.Description && a.Rules == b.Rules &&
		slices.Equal(a.Datacenters, b.Datacenters)
}

// sameToken compares what a token says, not where it was stored.
func sameToken(a, b *acl.Token) bool {
	sameExpiry := (a.ExpirationTime == nil) == (b.ExpirationTime == nil) &&
		(a.ExpirationTime == nil || a.ExpirationTime.Equal(*b.ExpirationTime))
	return a.SecretID == b.SecretID && a.Description == b.Description && a.Local == b.Local &&
		slices.Equal(a.Policies, b.Policies) && a.CreateTime.Equal(b.CreateTime) && sameExpiry
}

// registerACLReplication serves the replication methods.
func (s *Server) registerACLReplication() {
	s.rpcServer.Register(methodACLReplicationList, func(body []byte, reply func([]byte, error)) {
		q, err := decodeReplicationQuery(body)
		if err != nil {
			reply(nil, err)
			return
		}
		s.serveReplicationList(q, reply)
	})
	s.rpcServer.Register(methodACLReplicationStatus, func(_ []byte, reply func([]byte, error)) {
		s.ACLReplicationStatus(func(st ACLReplicationStatus, err error) {
			if err != nil {
				reply(nil, noLeaderOr(err))
				return
			}
			reply(json.Marshal(st))
		})
	})
}

// serveReplicationList answers a secondary's query, at default
// consistency, if its token may read ACLs (policies) or write them
// (tokens, whose secrets travel).
func (s *Server) serveReplicationList(q aclReplicationQuery, reply func([]byte, error)) {
	switch {
	case !s.cfg.ACLEnabled:
		reply(nil, ErrACLDisabled)
		return
	case s.isACLSecondary():
		reply(nil, ErrNotPrimary)
		return
	}
	s.LeaderRead(func(err error) {
		if err != nil {
			reply(nil, noLeaderOr(err))
			return
		}
		rt, err := s.resolveLocal(q.Token)
		if err != nil {
			reply(nil, err)
			return
		}
		az, err := rt.Authorizer(acl.NewResolver(acl.ResolverConfig{Datacenter: s.cfg.Datacenter}))
		if err != nil {
			reply(nil, err)
			return
		}
		if az.ACLRead() != acl.Allow || (q.Type == ReplicationTokens && az.ACLWrite() != acl.Allow) {
			reply(nil, acl.ErrPermissionDenied)
			return
		}
		reply(json.Marshal(s.replicationSet(q)))
	})
}

// replicationSet reads what a query asks for from the local catalog.
func (s *Server) replicationSet(q aclReplicationQuery) aclReplicationSet {
	if q.Type == ReplicationPolicies {
		idx, ps := s.fsm.ACLPolicyList(nil)
		if idx == q.MinIndex {
			return aclReplicationSet{Index: idx, Unchanged: true}
		}
		return aclReplicationSet{Index: idx, Policies: ps}
	}
	idx, ts := s.fsm.ACLTokenList(nil)
	if idx == q.MinIndex {
		return aclReplicationSet{Index: idx, Unchanged: true}
	}
	set := aclReplicationSet{Index: idx}
	for _, t := range ts {
		if !t.Local {
			set.Tokens = append(set.Tokens, t)
		}
	}
	return set
}

// ACLReplicationStatus reports the replication routine's status: this
// server's own if it leads (or replicates nothing), else its leader's.
func (s *Server) ACLReplicationStatus(done func(ACLReplicationStatus, error)) {
	switch {
	case s.stopped:
		done(ACLReplicationStatus{}, ErrStopped)
	case !s.isACLSecondary():
		done(ACLReplicationStatus{SourceDatacenter: cmp.Or(s.cfg.PrimaryDatacenter, s.cfg.Datacenter)}, nil)
	case s.isLeader():
		done(s.aclRepl.status, nil)
	default:
		leader := s.Leader()
		if leader == "" {
			done(ACLReplicationStatus{}, ErrNoLeader)
			return
		}
		s.rpcClient.Call(leader, methodACLReplicationStatus, nil, forwardTimeout, func(resp []byte, err error) {
			var st ACLReplicationStatus
			if err == nil {
				err = json.Unmarshal(resp, &st)
			}
			if err != nil {
				err = fmt.Errorf("ask leader %s for the ACL replication status: %w", leader, err)
			}
			done(st, err)
		})
	}
}
