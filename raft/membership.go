package raft

import (
	"cmp"
	"fmt"
	"slices"

	"go.uber.org/zap"
)

// ChangeType is the kind of a single-server membership change.
type ChangeType uint8

const (
	// AddVoter adds a voting server, or promotes an existing learner.
	AddVoter ChangeType = iota
	// AddLearner adds a non-voting server that receives the log.
	AddLearner
	// Promote turns an existing learner into a voter.
	Promote
	// RemoveServer removes a server of either suffrage.
	RemoveServer
)

// String names the change for logs.
func (t ChangeType) String() string {
	switch t {
	case AddVoter:
		return "add-voter"
	case AddLearner:
		return "add-learner"
	case Promote:
		return "promote"
	case RemoveServer:
		return "remove"
	}
	return fmt.Sprintf("ChangeType(%d)", uint8(t))
}

// ConfigChange is one single-server membership change (thesis §4.1). Address
// is used when adding a server.
type ConfigChange struct {
	Type    ChangeType
	ID      ServerID
	Address string
}

// Configuration returns a copy of the latest configuration in the log,
// committed or not, and the index of the entry holding it.
func (n *Node) Configuration() (Configuration, uint64) {
	return Configuration{Servers: slices.Clone(n.conf.Servers)}, n.confIndex
}

// ProposeConfig proposes a membership change. Following thesis §4.1 it
// changes one server at a time, allows only one uncommitted change, and
// waits until the leader has committed an entry of its own term (the 2015
// erratum for single-server changes). The new configuration takes effect on
// every server as soon as its entry is appended, not when it commits. Add a
// new server as a learner and promote it once Status shows its Match close
// to the leader's log, so that an empty newcomer never holds up commits
// (thesis §4.2.1).
func (n *Node) ProposeConfig(cc ConfigChange) (index, term uint64, err error) {
	switch {
	case n.role != Leader:
		return 0, 0, ErrNotLeader
	case n.leadTransferee != "":
		return 0, 0, ErrTransferInProgress
	case n.confIndex > n.log.committed:
		return 0, 0, ErrConfigChangeInProgress
	}
	if t, _ := n.log.term(n.log.committed); t != n.term {
		return 0, 0, ErrConfigChangeInProgress
	}
	next, err := applyChange(n.conf, cc)
	if err != nil {
		return 0, 0, err
	}
	e := n.appendLocal(Entry{Type: EntryConfig, Data: EncodeConfiguration(next)})
	n.bcastAppend()
	return e.Index, e.Term, nil
}

// applyChange returns c with cc applied, servers sorted by ID.
func applyChange(c Configuration, cc ConfigChange) (Configuration, error) {
	if cc.ID == "" {
		return Configuration{}, fmt.Errorf("%w: empty server ID", ErrInvalidConfigChange)
	}
	servers := slices.Clone(c.Servers)
	i := slices.IndexFunc(servers, func(s Server) bool { return s.ID == cc.ID })
	switch {
	case cc.Type == AddVoter && i >= 0 && servers[i].Suffrage == Learner, cc.Type == Promote && i >= 0:
		if servers[i].Suffrage != Learner {
			return Configuration{}, fmt.Errorf("%w: %s is already a voter", ErrInvalidConfigChange, cc.ID)
		}
		servers[i].Suffrage = Voter
	case (cc.Type == AddVoter || cc.Type == AddLearner) && i < 0:
		suffrage := Voter
		if cc.Type == AddLearner {
			suffrage = Learner
		}
		servers = append(servers, Server{ID: cc.ID, Address: cc.Address, Suffrage: suffrage})
	case cc.Type == RemoveServer && i >= 0:
		servers = slices.Delete(servers, i, i+1)
	case i < 0:
		return Configuration{}, fmt.Errorf("%w: %s", ErrUnknownServer, cc.ID)
	default:
		return Configuration{}, fmt.Errorf("%w: change %d for %s", ErrInvalidConfigChange, cc.Type, cc.ID)
	}
	return normalizeConfiguration(Configuration{Servers: servers})
}

// normalizeConfiguration returns c with its servers sorted by ID, and an
// error if it has no voter or could not be decoded again (empty or duplicate
// IDs, unknown suffrage).
func normalizeConfiguration(c Configuration) (Configuration, error) {
	servers := slices.Clone(c.Servers)
	slices.SortFunc(servers, func(a, b Server) int { return cmp.Compare(a.ID, b.ID) })
	next := Configuration{Servers: servers}
	if len(voters(next)) == 0 {
		return Configuration{}, fmt.Errorf("%w: no voter would remain", ErrInvalidConfigChange)
	}
	if _, err := DecodeConfiguration(EncodeConfiguration(next)); err != nil {
		return Configuration{}, fmt.Errorf("%w: %w", ErrInvalidConfigChange, err)
	}
	return next, nil
}

// appendConfigEntry appends a configuration entry to the local log and
// adopts it at once.
func (n *Node) appendConfigEntry(e Entry) {
	n.log.append(e)
	n.adoptConfigEntry(e)
}

// adoptConfigEntry makes the configuration in e the current one. An entry
// that does not decode came from a faulty peer; it is logged and skipped.
func (n *Node) adoptConfigEntry(e Entry) {
	c, err := DecodeConfiguration(e.Data)
	if err != nil {
		n.logger.Error("skipping undecodable configuration entry",
			zap.Uint64("index", e.Index), zap.Error(err))
		return
	}
	n.setConfiguration(c, e.Index)
}

// reloadConfiguration finds the latest configuration in the log, or the
// snapshot's, after the log was rebuilt or truncated.
func (n *Node) reloadConfiguration() {
	for i := n.log.lastIndex(); i > n.log.offset; i-- {
		e := n.log.entry(i)
		if e.Type != EntryConfig {
			continue
		}
		if c, err := DecodeConfiguration(e.Data); err == nil {
			n.setConfiguration(c, e.Index)
			return
		}
	}
	n.setConfiguration(n.log.snap.Config, n.log.snap.Index)
}

// setConfiguration installs c; a leader starts or stops tracking servers.
func (n *Node) setConfiguration(c Configuration, index uint64) {
	n.conf = Configuration{Servers: slices.Clone(c.Servers)}
	n.confIndex = index
	if n.role != Leader {
		return
	}
	for _, s := range n.conf.Servers {
		if _, ok := n.progress[s.ID]; !ok {
			n.progress[s.ID] = n.newProgress()
		}
	}
	for _, id := range n.sortedProgressIDs() {
		if _, ok := n.server(id); !ok {
			delete(n.progress, id)
		}
	}
	if n.leadTransferee != "" && !n.promotableID(n.leadTransferee) {
		n.abortTransfer()
	}
}

// promotableID reports whether id is a voter of the current configuration.
func (n *Node) promotableID(id ServerID) bool {
	s, ok := n.server(id)
	return ok && s.Suffrage == Voter
}

// maybeStepDownRemoved makes a leader that is no longer a voter step down
// once the configuration that removed it has committed (thesis §4.2.2).
func (n *Node) maybeStepDownRemoved() {
	if n.role == Leader && n.confIndex <= n.log.committed && !n.promotable() {
		n.logger.Info("stepping down: removed from the configuration")
		n.becomeFollower(n.term, "")
	}
}
