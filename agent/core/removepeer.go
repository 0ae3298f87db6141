package core

import (
	"errors"
	"fmt"

	"github.com/cairn-sd/cairn/raft"
)

// Removing a Raft peer by hand (`cairn operator raft remove-peer`) is for a
// server that is gone for good and that autopilot's cleanup has not
// removed (it never shrinks below a quorum of live voters). The leader
// proposes the change; a follower forwards the request to it.

// methodRemovePeer asks the leader to remove the server whose ID is the
// body; methodTransferLeader asks it to hand leadership to the server
// whose ID is the body (empty: any caught-up voter).
const (
	methodRemovePeer     = "Server.RemovePeer"
	methodTransferLeader = "Server.TransferLeader"
)

// Errors of RemovePeer.
var (
	// ErrUnknownPeer: no server of the configuration has that ID or
	// address.
	ErrUnknownPeer = errors.New("no Raft peer with that ID or address")
	// ErrRemoveLeader refuses to remove the leader itself.
	ErrRemoveLeader = errors.New("cannot remove the current leader; transfer leadership to another server first")
)

// PeerID finds the ID of a server of the latest configuration by ID or
// by address.
func (s *Server) PeerID(idOrAddress string) (raft.ServerID, error) {
	for _, sv := range s.raft.Configuration().Servers {
		if string(sv.ID) == idOrAddress || sv.Address == idOrAddress {
			return sv.ID, nil
		}
	}
	return "", fmt.Errorf("%w: %q", ErrUnknownPeer, idOrAddress)
}

// RemovePeer removes a server from the Raft configuration, through the
// leader.
func (s *Server) RemovePeer(id raft.ServerID, done func(error)) {
	if s.stopped {
		done(ErrStopped)
		return
	}
	if !s.isLeader() {
		s.forwardToLeader(methodRemovePeer, []byte(id), done)
		return
	}
	if id == s.cfg.ID {
		done(ErrRemoveLeader)
		return
	}
	s.raft.ChangeConfig(raft.ConfigChange{Type: raft.RemoveServer, ID: id}, done)
}

// TransferLeader asks the leader to hand leadership to server to, or to
// another voter when to is empty; a follower forwards the request. done
// hears whether the transfer was started (leadership moves shortly after).
func (s *Server) TransferLeader(to raft.ServerID, done func(error)) {
	if s.stopped {
		done(ErrStopped)
		return
	}
	if !s.isLeader() {
		s.forwardToLeader(methodTransferLeader, []byte(to), done)
		return
	}
	if to == "" {
		for _, sv := range s.raft.Configuration().Servers {
			if sv.ID != s.cfg.ID && sv.Suffrage == raft.Voter {
				to = sv.ID
				break
			}
		}
	}
	if to == "" || to == s.cfg.ID {
		done(ErrNoTransferTarget)
		return
	}
	done(s.raft.TransferLeadership(to))
}

// ErrNoTransferTarget refuses a transfer with no other voter to take it.
var ErrNoTransferTarget = errors.New("no other voter to transfer leadership to")

// forwardToLeader sends a request to the leader and hears its outcome.
func (s *Server) forwardToLeader(method string, body []byte, done func(error)) {
	_, leader := s.raft.Leader()
	if leader == "" {
		done(ErrNoLeader)
		return
	}
	s.rpcClient.Call(leader, method, body, forwardTimeout, func(_ []byte, err error) {
		if err != nil {
			err = fmt.Errorf("forward %s to leader %s: %w", method, leader, err)
		}
		done(err)
	})
}

// registerRemovePeer serves methodRemovePeer and methodTransferLeader on
// the leader.
func (s *Server) registerRemovePeer() {
	s.rpcServer.Register(methodRemovePeer, func(body []byte, reply func([]byte, error)) {
		s.RemovePeer(raft.ServerID(body), func(err error) { reply(nil, err) })
	})
	s.rpcServer.Register(methodTransferLeader, func(body []byte, reply func([]byte, error)) {
		s.TransferLeader(raft.ServerID(body), func(err error) { reply(nil, err) })
	})
}
