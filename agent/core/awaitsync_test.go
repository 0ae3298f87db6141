package core

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cairn-sd/cairn/catalog"
)

// TestAwaitSyncAnswersAtOnceWhenTheSyncHasAlreadyEnded: a caller that
// asks only after the sync covering its change ended (the HTTP layer asks
// in a later turn of the loop) is answered at once, not at the next sync.
func TestAwaitSyncAnswersAtOnceWhenTheSyncHasAlreadyEnded(t *testing.T) {
	c := newGossipCluster(t, 1)
	a := c.addLocalClient(t, "c1")
	c.sim.RunFor(20 * time.Second)
	require.NoError(t, a.local.AddService(catalog.Service{Service: "web", Port: 80}, nil))
	c.sim.RunFor(2 * time.Second)
	require.Len(t, c.health(t, "web"), 1, "the sync of the change has ended")

	answered := false
	a.local.AwaitSync(func(err error) { answered = err == nil })
	require.True(t, answered, "no wait for a later sync")

	require.NoError(t, a.local.RemoveService("web"))
	answered = false
	a.local.AwaitSync(func(err error) { answered = err == nil })
	require.False(t, answered, "a change not yet synced is waited for")
	c.sim.RunFor(2 * time.Second)
	require.True(t, answered)
	require.Empty(t, c.health(t, "web"))
}
