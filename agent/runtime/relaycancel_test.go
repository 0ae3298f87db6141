package runtime

import (
	"context"
	"testing"
	"time"

	"github.com/hashicorp/consul/api"
	"github.com/stretchr/testify/require"
)

// TestABlockingQueryRelayedByAClientStopsOnTheServerWhenItsCallerLeaves:
// the server's blocking query ends soon after the HTTP client of the
// client agent hangs up, not when its 60-second wait runs out.
func TestABlockingQueryRelayedByAClientStopsOnTheServerWhenItsCallerLeaves(t *testing.T) {
	srv, _ := startAgent(t, "")
	_, c := startClient(t, srv, "")
	_, meta, err := c.KV().Get("watched", nil)
	require.NoError(t, err)

	ctx, hangUp := context.WithCancel(context.Background())
	defer hangUp()
	returned := make(chan struct{})
	go func() {
		defer close(returned)
		opts := (&api.QueryOptions{WaitIndex: meta.LastIndex, WaitTime: time.Minute}).WithContext(ctx)
		c.KV().Get("watched", opts)
	}()
	require.Eventually(t, func() bool { return srv.waiting.Load() == 1 }, testWait, 20*time.Millisecond,
		"the relayed query blocks on the server")
	hangUp()
	<-returned
	require.Eventually(t, func() bool { return srv.waiting.Load() == 0 }, 10*time.Second, 20*time.Millisecond,
		"the server stops the query whose caller left")
}
