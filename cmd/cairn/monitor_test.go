package main

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestMonitorCopiesTheStreamUntilCancelled(t *testing.T) {
	c := startRealAgent(t)
	ctx, cancel := context.WithCancel(context.Background())
	var out syncBuffer
	done := make(chan error, 1)
	go func() { done <- streamMonitor(ctx, c, "debug", &out) }()
	require.Eventually(t, func() bool {
		kvPut(t, c, "poke", "x")
		return out.String() != ""
	}, realAgentWait, 50*time.Millisecond, "the agent's log lines arrive")
	cancel()
	require.NoError(t, <-done, "an interrupted stream is not an error")

	err := streamMonitor(context.Background(), c, "loud", &bytes.Buffer{})
	require.ErrorContains(t, err, "400")
}
