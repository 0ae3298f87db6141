package catalog

import "fmt"

// Result is what Apply returns for every command. OK is the answer of a KV
// write (false when a check-and-set lost); Err is set when the command was
// refused, in which case the state is unchanged.
type Result struct {
	OK  bool
	Err error
	// TxnResults are the results of a TxnRequest that applied.
	TxnResults []TxnResult
	// TxnErrors say which operations of a refused TxnRequest failed, and
	// why; Err is then ErrTxnFailed.
	TxnErrors []TxnError
}

// timed is a command that carries the proposer's time.
type timed interface {
	timestamp() Timestamp
}

func errResult(err error) Result { return Result{Err: err} }

var okResult = Result{OK: true}

// applyCommand runs one decoded command at idx, at the command's own
// timestamp if it carries one. The caller holds the write lock.
func (s *State) applyCommand(idx uint64, cmd Command) Result {
	s.now = 0
	if t, ok := cmd.(timed); ok {
		s.now = t.timestamp()
	}
	switch c := cmd.(type) {
	case *RegisterRequest:
		return s.applyRegister(idx, c)
	case *DeregisterRequest:
		return s.applyDeregister(idx, c)
	case *UpdateCheckRequest:
		return s.applyUpdateCheck(idx, c)
	case *KVSetRequest:
		s.kvSet(idx, c.Key, c.Value, c.Flags)
		return okResult
	case *KVCASRequest:
		return Result{OK: s.kvCAS(idx, c.Key, c.Value, c.Flags, c.Index)}
	case *KVDeleteRequest:
		s.kvDelete(idx, c.Key)
		return okResult
	case *KVDeleteCASRequest:
		return Result{OK: s.kvDeleteCAS(idx, c.Key, c.Index)}
	case *KVDeleteTreeRequest:
		s.kvDeleteTree(idx, c.Prefix)
		return okResult
	case *ReapRequest:
		s.reap(c.Index)
		return okResult
	case *SessionCreateRequest:
		return s.applySessionCreate(idx, c)
	case *SessionDestroyRequest:
		return s.applySessionDestroy(idx, c)
	case *KVLockRequest:
		return s.applyKVLock(idx, c)
	case *KVUnlockRequest:
		return s.applyKVUnlock(idx, c)
	case *TxnRequest:
		return s.applyTxn(idx, c)
	case *ACLInitRequest:
		return s.applyACLInit(idx, c)
	case *ACLBootstrapRequest:
		return s.applyACLBootstrap(idx, c)
	case *ACLPolicySetRequest:
		return s.applyACLPolicySet(idx, c)
	case *ACLPolicyDeleteRequest:
		return s.applyACLPolicyDelete(idx, c)
	case *ACLTokenSetRequest:
		return s.applyACLTokenSet(idx, c)
	case *ACLTokenDeleteRequest:
		return s.applyACLTokenDelete(idx, c)
	case *SnapshotRestoreRequest:
		return s.applySnapshotRestore(idx, c)
	case *ACLReplicateRequest:
		return s.applyACLReplicate(idx, c)
	case *AutopilotSetRequest:
		return s.applyAutopilotSet(idx, c)
	case *QuerySetRequest:
		return s.applyQuerySet(idx, c)
	case *QueryDeleteRequest:
		return s.applyQueryDelete(idx, c)
	}
	panic(fmt.Sprintf("catalog: no apply for command %T", cmd))
}

// applyRegister validates the whole registration first, so that a refused
// one changes nothing, then writes the node, the service and the checks.
func (s *State) applyRegister(idx uint64, r *RegisterRequest) Result {
	if err := s.normaliseRegister(r); err != nil {
		return errResult(err)
	}
	if _, exists := s.db.nodes.get(r.Node); !exists || !r.SkipNodeUpdate {
		s.ensureNode(idx, &Node{
			ID: r.ID, Node: r.Node, Address: r.Address, Datacenter: r.Datacenter,
			TaggedAddresses: r.TaggedAddresses, Meta: r.NodeMeta,
		})
	}
	if r.Service != nil {
		s.ensureService(idx, r.Node, r.Service)
	}
	for _, c := range r.Checks {
		s.ensureCheck(idx, c)
	}
	return okResult
}

// normaliseRegister fills in defaults and checks r against the state. It
// folds r.Check into r.Checks.
func (s *State) normaliseRegister(r *RegisterRequest) error {
	if r.Node == "" {
		return ErrMissingNode
	}
	if hasNUL(r.Node) {
		return ErrBadName
	}
	if _, exists := s.db.nodes.get(r.Node); !exists && r.SkipNodeUpdate {
		return fmt.Errorf("%w: %q", ErrNodeNotFound, r.Node)
	}
	if r.Address == "" && !r.SkipNodeUpdate {
		return ErrMissingAddress
	}
	if svc := r.Service; svc != nil {
		if svc.Service == "" {
			return ErrMissingServiceName
		}
		if svc.ID == "" {
			svc.ID = svc.Service
		}
		if hasNUL(svc.ID, svc.Service) {
			return ErrBadName
		}
		if svc.Weights == (Weights{}) {
			svc.Weights = DefaultWeights
		}
	}
	if r.Check != nil {
		r.Checks = append([]*HealthCheck{r.Check}, r.Checks...)
		r.Check = nil
	}
	for _, c := range r.Checks {
		if err := s.normaliseCheck(r, c); err != nil {
			return err
		}
	}
	return nil
}

// normaliseCheck fills in one check's defaults and binds it to its service.
func (s *State) normaliseCheck(r *RegisterRequest, c *HealthCheck) error {
	if c == nil {
		return ErrMissingCheckID
	}
	if c.Node == "" {
		c.Node = r.Node
	}
	if c.Node != r.Node {
		return fmt.Errorf("%w: %q is not %q", ErrCheckNodeMismatch, c.Node, r.Node)
	}
	if c.CheckID == "" {
		c.CheckID = c.Name
	}
	if c.CheckID == "" {
		return ErrMissingCheckID
	}
	if hasNUL(c.CheckID) {
		return ErrBadName
	}
	if c.Status == "" {
		c.Status = HealthCritical
	}
	if !validStatus(c.Status) {
		return fmt.Errorf("%w: %q", ErrBadCheckStatus, c.Status)
	}
	if c.ServiceID == "" {
		c.ServiceName, c.ServiceTags = "", nil
		return nil
	}
	svc := r.Service
	if svc == nil || svc.ID != c.ServiceID {
		existing, ok := s.db.services.get(joinKey(r.Node, c.ServiceID))
		if !ok {
			return fmt.Errorf("%w: %q on node %q", ErrServiceNotFound, c.ServiceID, r.Node)
		}
		svc = existing
	}
	c.ServiceName, c.ServiceTags = svc.Service, svc.Tags
	return nil
}

// applyDeregister removes a check, a service or a node, after checking that
// what it names exists.
func (s *State) applyDeregister(idx uint64, r *DeregisterRequest) Result {
	if r.Node == "" {
		return errResult(ErrMissingNode)
	}
	if _, ok := s.db.nodes.get(r.Node); !ok {
		return errResult(fmt.Errorf("%w: %q", ErrNodeNotFound, r.Node))
	}
	if r.ServiceID == "" && r.CheckID == "" {
		s.deleteNode(idx, r.Node)
		return okResult
	}
	if _, ok := s.db.services.get(joinKey(r.Node, r.ServiceID)); r.ServiceID != "" && !ok {
		return errResult(fmt.Errorf("%w: %q on node %q", ErrServiceNotFound, r.ServiceID, r.Node))
	}
	if _, ok := s.db.checks.get(joinKey(r.Node, r.CheckID)); r.CheckID != "" && !ok {
		return errResult(fmt.Errorf("%w: %q on node %q", ErrCheckNotFound, r.CheckID, r.Node))
	}
	if r.ServiceID != "" {
		s.deleteService(idx, r.Node, r.ServiceID)
	}
	if r.CheckID != "" {
		s.deleteCheck(idx, r.Node, r.CheckID)
	}
	return okResult
}

// applyUpdateCheck sets an existing check's status and output.
func (s *State) applyUpdateCheck(idx uint64, r *UpdateCheckRequest) Result {
	if !validStatus(r.Status) {
		return errResult(fmt.Errorf("%w: %q", ErrBadCheckStatus, r.Status))
	}
	old, ok := s.db.checks.get(joinKey(r.Node, r.CheckID))
	if !ok {
		return errResult(fmt.Errorf("%w: %q on node %q", ErrCheckNotFound, r.CheckID, r.Node))
	}
	c := *old
	c.Status, c.Output = r.Status, r.Output
	s.ensureCheck(idx, &c)
	return okResult
}
