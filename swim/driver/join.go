package driver

import (
	"time"

	"go.uber.org/zap"
)

// DefaultRetryJoinInterval is the pause between join attempts, Consul's
// retry_interval default.
const DefaultRetryJoinInterval = 30 * time.Second

// Retry join is Consul's retry_join: a node is configured with the serf
// addresses of some pool members and keeps trying them until one answers.
// Nodes of a new datacenter boot in any order; the first ones find nobody,
// and they keep trying, so that whichever comes up second finds them (or
// they find it at their next attempt). A list that names the node itself,
// as the seed configuration does, is fine: the member skips its own address.
//
// Each attempt starts a push-pull with every address of the list. The node
// stops retrying as soon as it knows another alive member, whoever made the
// contact: a push-pull it answered counts as much as one it opened. It does
// not start again if the pool later shrinks back to itself: from then on
// the member's own reconnect to failed members is what heals the pool.

// retryJoin makes one join attempt, unless the node already knows another
// alive member, and schedules the next.
func (n *Node) retryJoin() {
	n.retryTimer = nil
	if n.stopped || n.member.NumAlive() > 1 {
		return
	}
	n.joinAttempts++
	n.member.Join(n.now(), n.cfg.RetryJoin)
	n.pump()
	n.retryTimer = n.env.AfterFunc(n.cfg.RetryJoinInterval, n.retryJoin)
}

// checkJoined ends the retrying as soon as the member knows another alive
// member; the pump calls it after every input while the node is retrying.
func (n *Node) checkJoined() {
	if n.retryTimer == nil || n.member.NumAlive() <= 1 {
		return
	}
	n.retryTimer.Stop()
	n.retryTimer = nil
	n.log.Info("swim/driver: joined the pool", zap.Int("attempts", n.joinAttempts))
}

// Joining reports whether the node is still retrying its RetryJoin list.
func (n *Node) Joining() bool { return n.retryTimer != nil }

// JoinAttempts is the number of join attempts made through RetryJoin.
func (n *Node) JoinAttempts() int { return n.joinAttempts }
