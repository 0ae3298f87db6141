package raft

import "fmt"

// TransferLeadership asks the leader to hand over to another voter (thesis
// §3.10): it stops accepting proposals, brings the target's log up to date,
// and then sends it MsgTimeoutNow, upon which the target starts an election
// at once, bypassing pre-vote and leader stickiness. The transfer is
// abandoned if it has not happened within an election timeout.
func (n *Node) TransferLeadership(to ServerID) error {
	switch {
	case n.role != Leader:
		return ErrNotLeader
	case to == n.id:
		return nil
	case !n.promotableID(to):
		return fmt.Errorf("%w: %s is not a voter", ErrUnknownServer, to)
	case n.leadTransferee == to:
		return nil
	}
	n.leadTransferee = to
	n.electionElapsed = 0
	if n.progress[to].match == n.log.lastIndex() {
		n.send(Message{Type: MsgTimeoutNow, To: to})
		return nil
	}
	n.sendAppend(to, true)
	return nil
}

// abortTransfer forgets a pending leadership transfer.
func (n *Node) abortTransfer() { n.leadTransferee = "" }
