package acl

// KeyRead reports whether the token may read the value of key.
func (a *Authorizer) KeyRead(key string) Decision { return a.check(ResourceKey, key, AccessRead) }

// KeyList reports whether the token may list the keys under prefix. It needs
// list or write; read alone does not grant it. (Consul checks it only when
// acl.enable_key_list_policy is set, and otherwise filters a recursive read
// by KeyRead on each key.)
func (a *Authorizer) KeyList(prefix string) Decision {
	return a.check(ResourceKey, prefix, AccessList)
}

// KeyWrite reports whether the token may write key.
func (a *Authorizer) KeyWrite(key string) Decision { return a.check(ResourceKey, key, AccessWrite) }

// KeyWritePrefix reports whether the token may write every key under prefix,
// as a recursive delete needs. Following Consul, it allows when the longest
// prefix rule covering prefix grants write and no rule anchored under prefix
// (exact or prefix form) grants less than write; it denies when either of
// those fails; when no prefix rule covers prefix and no rule under it
// objects, the default policy decides.
func (a *Authorizer) KeyWritePrefix(prefix string) Decision {
	if a.manageAll {
		return Allow
	}
	tree := &a.trees[ResourceKey]
	base := tree.longestPrefix(prefix)
	if base != AccessUnset && base != AccessWrite {
		return Deny
	}
	if tree.nonWriteUnder(prefix) {
		return Deny
	}
	if base == AccessWrite {
		return Allow
	}
	return a.defaultDecision()
}

// ServiceRead reports whether the token may see the service name.
func (a *Authorizer) ServiceRead(name string) Decision {
	return a.check(ResourceService, name, AccessRead)
}

// ServiceWrite reports whether the token may register or deregister
// instances of the service name.
func (a *Authorizer) ServiceWrite(name string) Decision {
	return a.check(ResourceService, name, AccessWrite)
}

// IntentionRead reports whether the token may read intentions whose
// destination is the service name.
func (a *Authorizer) IntentionRead(name string) Decision {
	return a.check(ResourceIntention, name, AccessRead)
}

// IntentionWrite reports whether the token may change intentions whose
// destination is the service name.
func (a *Authorizer) IntentionWrite(name string) Decision {
	return a.check(ResourceIntention, name, AccessWrite)
}

// NodeRead reports whether the token may see the node name.
func (a *Authorizer) NodeRead(name string) Decision { return a.check(ResourceNode, name, AccessRead) }

// NodeWrite reports whether the token may register or change the node name.
func (a *Authorizer) NodeWrite(name string) Decision {
	return a.check(ResourceNode, name, AccessWrite)
}

// AgentRead reports whether the token may read the agent API of the agent
// running on node.
func (a *Authorizer) AgentRead(node string) Decision {
	return a.check(ResourceAgent, node, AccessRead)
}

// AgentWrite reports whether the token may change the agent running on node
// (join, leave, reload, maintenance).
func (a *Authorizer) AgentWrite(node string) Decision {
	return a.check(ResourceAgent, node, AccessWrite)
}

// EventRead reports whether the token may list user events named name.
func (a *Authorizer) EventRead(name string) Decision {
	return a.check(ResourceEvent, name, AccessRead)
}

// EventWrite reports whether the token may fire user events named name.
func (a *Authorizer) EventWrite(name string) Decision {
	return a.check(ResourceEvent, name, AccessWrite)
}

// SessionRead reports whether the token may read sessions held on node.
func (a *Authorizer) SessionRead(node string) Decision {
	return a.check(ResourceSession, node, AccessRead)
}

// SessionWrite reports whether the token may create, renew or destroy
// sessions on node.
func (a *Authorizer) SessionWrite(node string) Decision {
	return a.check(ResourceSession, node, AccessWrite)
}

// QueryRead reports whether the token may read the prepared query name.
func (a *Authorizer) QueryRead(name string) Decision {
	return a.check(ResourceQuery, name, AccessRead)
}

// QueryWrite reports whether the token may create or change the prepared
// query name.
func (a *Authorizer) QueryWrite(name string) Decision {
	return a.check(ResourceQuery, name, AccessWrite)
}

// OperatorRead reports whether the token may read cluster-level operator
// state (Raft peers, autopilot).
func (a *Authorizer) OperatorRead() Decision { return a.checkScalar(ScalarOperator, AccessRead, nil) }

// OperatorWrite reports whether the token may change cluster-level operator
// state (remove a Raft peer, restore a snapshot).
func (a *Authorizer) OperatorWrite() Decision {
	return a.checkScalar(ScalarOperator, AccessWrite, nil)
}

// ACLRead reports whether the token may read ACL tokens and policies. Unlike
// the other methods, it does not fall back to default_policy "allow": without
// an acl rule, only management may read the ACL system (Consul's rule).
func (a *Authorizer) ACLRead() Decision { return a.checkScalar(ScalarACL, AccessRead, denyAlways) }

// ACLWrite reports whether the token may change ACL tokens and policies; like
// ACLRead, it never falls back to default_policy "allow".
func (a *Authorizer) ACLWrite() Decision { return a.checkScalar(ScalarACL, AccessWrite, denyAlways) }

// KeyringRead reports whether the token may list the gossip keyring.
func (a *Authorizer) KeyringRead() Decision { return a.checkScalar(ScalarKeyring, AccessRead, nil) }

// KeyringWrite reports whether the token may change the gossip keyring.
func (a *Authorizer) KeyringWrite() Decision {
	return a.checkScalar(ScalarKeyring, AccessWrite, nil)
}

// MeshRead reports whether the token may read mesh-wide configuration; with
// no mesh rule, the operator rule decides.
func (a *Authorizer) MeshRead() Decision {
	return a.checkScalar(ScalarMesh, AccessRead, a.operatorLevel)
}

// MeshWrite reports whether the token may change mesh-wide configuration;
// with no mesh rule, the operator rule decides.
func (a *Authorizer) MeshWrite() Decision {
	return a.checkScalar(ScalarMesh, AccessWrite, a.operatorLevel)
}

// PeeringRead reports whether the token may read cluster peerings; with no
// peering rule, the operator rule decides.
func (a *Authorizer) PeeringRead() Decision {
	return a.checkScalar(ScalarPeering, AccessRead, a.operatorLevel)
}

// PeeringWrite reports whether the token may change cluster peerings; with no
// peering rule, the operator rule decides.
func (a *Authorizer) PeeringWrite() Decision {
	return a.checkScalar(ScalarPeering, AccessWrite, a.operatorLevel)
}

func (a *Authorizer) operatorLevel(need Access) Decision {
	return a.checkScalar(ScalarOperator, need, nil)
}

func denyAlways(Access) Decision { return Deny }
