package rpc

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cairn-sd/cairn/netsim"
)

func TestTheObserverHearsEveryRegisteredCallAndItsOutcome(t *testing.T) {
	var started, finished []string
	r := newRig(t, func(env netsim.Env, s *Server) {
		echoServer(env, s)
		s.Observe(func(method string) func(error) {
			started = append(started, method)
			return func(err error) {
				outcome := "ok"
				if err != nil {
					outcome = "error"
				}
				finished = append(finished, method+" "+outcome)
			}
		})
	})
	_, err := r.call(t, "echo", "x", time.Second)
	require.NoError(t, err)
	_, err = r.call(t, "fail", "x", time.Second)
	require.Error(t, err)
	_, err = r.call(t, "no-such-method", "x", time.Second)
	require.Error(t, err)
	_, err = r.call(t, "never", "x", 100*time.Millisecond)
	require.Error(t, err)
	require.Equal(t, []string{"echo", "fail", "never"}, started, "an unknown method is not reported: its name is the caller's")
	require.Equal(t, []string{"echo ok", "fail error"}, finished, "a call without a reply never finishes")
}
