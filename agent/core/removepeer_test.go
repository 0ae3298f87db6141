package core

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cairn-sd/cairn/raft"
)

func TestRemovePeerThroughAFollowerAndRefusals(t *testing.T) {
	c := newGossipCluster(t, 3)
	c.sim.RunFor(20 * time.Second)
	leader, follower := c.leader(), c.follower()
	require.NotEmpty(t, follower)
	var other string
	for _, n := range c.names {
		if n != leader && n != follower {
			other = n
		}
	}
	f := c.servers[follower]
	id, err := f.PeerID(c.servers[other].Addr())
	require.NoError(t, err, "a peer is found by its address")
	require.Equal(t, raft.ServerID("id-"+other), id)
	_, err = f.PeerID("nope")
	require.ErrorIs(t, err, ErrUnknownPeer)

	var removed, refused error = errPending, errPending
	f.RemovePeer(id, func(err error) {
		removed = err
		for _, sv := range c.servers[leader].raft.Configuration().Servers {
			require.NotEqual(t, id, sv.ID, "the removal is committed when it answers")
		}
	})
	c.servers[leader].RemovePeer(raft.ServerID("id-"+leader), func(err error) { refused = err })
	c.sim.RunFor(2 * time.Second)
	require.NoError(t, removed)
	require.ErrorIs(t, refused, ErrRemoveLeader)
}

func TestLeadershipTransfersThroughAFollower(t *testing.T) {
	c := newGossipCluster(t, 5)
	c.sim.RunFor(20 * time.Second)
	old, follower := c.leader(), c.follower()
	require.NotEmpty(t, follower)
	var started error = errPending
	c.servers[follower].TransferLeader(raft.ServerID("id-"+follower), func(err error) { started = err })
	c.sim.RunFor(3 * time.Second)
	require.NoError(t, started)
	require.Equal(t, follower, c.leader(), "leadership moved from %s to the named server", old)
}

// errPending marks a callback that has not run.
var errPending = errorString("callback not called")

type errorString string

func (e errorString) Error() string { return string(e) }
