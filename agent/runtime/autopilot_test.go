package runtime

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/consul/api"
	"github.com/stretchr/testify/require"
)

func TestAutopilotConfigurationThroughTheOfficialClient(t *testing.T) {
	_, c := startAgent(t, "")
	op := c.Operator()
	conf := seededAutopilot(t, c)
	require.True(t, conf.CleanupDeadServers)
	require.Equal(t, 200*time.Millisecond, conf.LastContactThreshold.Duration())
	require.Equal(t, uint64(250), conf.MaxTrailingLogs)
	require.Equal(t, 10*time.Second, conf.ServerStabilizationTime.Duration())

	conf.CleanupDeadServers = false
	conf.MinQuorum = 3
	conf.LastContactThreshold = api.NewReadableDuration(time.Second)
	require.NoError(t, op.AutopilotSetConfiguration(conf, nil))
	got, err := op.AutopilotGetConfiguration(nil)
	require.NoError(t, err)
	require.False(t, got.CleanupDeadServers)
	require.Equal(t, uint(3), got.MinQuorum)
	require.Equal(t, time.Second, got.LastContactThreshold.Duration())
	require.Greater(t, got.ModifyIndex, conf.ModifyIndex)
	require.Equal(t, conf.CreateIndex, got.CreateIndex, "a write keeps the CreateIndex")

	stale := *got
	stale.ModifyIndex = got.ModifyIndex - 1
	stale.MaxTrailingLogs = 7
	ok, err := op.AutopilotCASConfiguration(&stale, nil)
	require.NoError(t, err)
	require.False(t, ok, "a CAS at an old index loses")
	got.MaxTrailingLogs = 9
	ok, err = op.AutopilotCASConfiguration(got, nil)
	require.NoError(t, err)
	require.True(t, ok)
	after, err := op.AutopilotGetConfiguration(nil)
	require.NoError(t, err)
	require.Equal(t, uint64(9), after.MaxTrailingLogs)
	require.Greater(t, after.ModifyIndex, got.ModifyIndex)
	require.Equal(t, got.CreateIndex, after.CreateIndex)
}

// seededAutopilot waits until the leader has written the configured
// autopilot settings, and answers them.
func seededAutopilot(t *testing.T, c *api.Client) *api.AutopilotConfiguration {
	var conf *api.AutopilotConfiguration
	require.Eventually(t, func() bool {
		got, err := c.Operator().AutopilotGetConfiguration(nil)
		conf = got
		return err == nil && got.ModifyIndex != 0
	}, testWait, 20*time.Millisecond, "the leader never wrote the configured autopilot settings")
	return conf
}

func TestAutopilotConfigurationStartsFromTheConfigFile(t *testing.T) {
	_, c := startAgent(t, `, "autopilot": {"cleanup_dead_servers": false, "max_trailing_logs": 42, "last_contact_threshold": "1s", "min_quorum": 3}`)
	conf := seededAutopilot(t, c)
	require.Equal(t, uint(3), conf.MinQuorum)
	require.False(t, conf.CleanupDeadServers)
	require.Equal(t, uint64(42), conf.MaxTrailingLogs)
	require.Equal(t, time.Second, conf.LastContactThreshold.Duration())
	require.Equal(t, conf.CreateIndex, conf.ModifyIndex)
}

func TestAutopilotConfigurationRefusesBadBodies(t *testing.T) {
	a, _ := startAgent(t, "")
	for _, body := range []string{`{"LastContactThreshold":"-1s"}`, `{"LastContactThreshold":"soon"}`, `[`} {
		req, err := http.NewRequest(http.MethodPut, "http://"+a.HTTPAddr()+"/v1/operator/autopilot/configuration", strings.NewReader(body))
		require.NoError(t, err)
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		require.Equal(t, http.StatusBadRequest, resp.StatusCode, body)
	}
}

func TestAutopilotConfigurationBlocksUntilItChanges(t *testing.T) {
	_, c := startAgent(t, "")
	op := c.Operator()
	_, meta, err := c.KV().Get("nothing", nil)
	require.NoError(t, err)
	changed := make(chan uint64, 1)
	go func() {
		var index uint64
		conf, err := op.AutopilotGetConfiguration(&api.QueryOptions{WaitIndex: meta.LastIndex + 1, WaitTime: 20 * time.Second})
		if err == nil {
			index = conf.ModifyIndex
		}
		changed <- index
	}()
	conf := api.NewAutopilotConfiguration()
	conf.MinQuorum = 1
	require.NoError(t, op.AutopilotSetConfiguration(&conf, nil))
	require.NotZero(t, <-changed, "the blocking read returned with the new settings")
}

func TestAutopilotHealthAndStateOfASingleServer(t *testing.T) {
	a, c := startAgent(t, "")
	op := c.Operator()
	var health *api.OperatorHealthReply
	require.Eventually(t, func() bool {
		h, err := op.AutopilotServerHealth(nil)
		health = h
		return err == nil && h.Healthy
	}, testWait, 20*time.Millisecond, "the only server turns healthy")
	require.Equal(t, 0, health.FailureTolerance)
	require.Len(t, health.Servers, 1)
	s := health.Servers[0]
	require.Equal(t, testNode, s.Name)
	require.True(t, s.Leader)
	require.True(t, s.Voter)
	require.Equal(t, "alive", s.SerfStatus)
	require.NotZero(t, s.LastIndex)
	require.NotZero(t, s.LastTerm)
	require.Equal(t, a.nodeID, s.ID)

	state, err := op.AutopilotState(nil)
	require.NoError(t, err)
	require.True(t, state.Healthy)
	require.Equal(t, a.nodeID, state.Leader)
	require.Equal(t, []string{a.nodeID}, state.Voters)
	srv := state.Servers[a.nodeID]
	require.Equal(t, api.AutopilotServerLeader, srv.Status)
	require.Equal(t, api.AutopilotTypeVoter, srv.NodeType)
	require.Equal(t, "alive", srv.NodeStatus)
	require.Equal(t, s.LastIndex <= srv.LastIndex, true)
}

func TestAutopilotHealthThroughAClientAgent(t *testing.T) {
	srv, _ := startAgent(t, "")
	_, c := startClient(t, srv, "")
	require.Eventually(t, func() bool {
		h, err := c.Operator().AutopilotServerHealth(nil)
		return err == nil && h.Healthy && len(h.Servers) == 1
	}, testWait, 20*time.Millisecond, "a client agent relays the health question to a server")
}

// gossipView is what the tests read of /v1/agent/cairn/gossip.
type gossipView struct {
	LAN *struct {
		Members                  map[string]int
		Suspects                 []string
		ProbesSent, ProbesFailed uint64
		SuspicionsRaised         uint64
		PacketsSent              uint64
		HealthScore              int
	}
}

// fetchGossip reads a's /v1/agent/cairn/gossip. It reports failures as
// errors, so that it can run inside require.Eventually's goroutine.
func fetchGossip(a *Agent) (gossipView, error) {
	var out gossipView
	resp, err := http.Get("http://" + a.HTTPAddr() + "/v1/agent/cairn/gossip")
	if err != nil {
		return out, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return out, err
	}
	if resp.StatusCode != http.StatusOK {
		return out, fmt.Errorf("status %d: %s", resp.StatusCode, body)
	}
	if err := json.Unmarshal(body, &out); err != nil {
		return out, err
	}
	if out.LAN == nil {
		return out, fmt.Errorf("no LAN pool in %s", body)
	}
	return out, nil
}

func TestCairnGossipExtensionCountsThePool(t *testing.T) {
	srv, _ := startAgent(t, "")
	cl, _ := startClient(t, srv, "")
	for _, a := range []*Agent{srv, cl} {
		out, err := fetchGossip(a)
		require.NoError(t, err, "every agent is in a LAN pool")
		require.Equal(t, 2, out.LAN.Members["alive"])
		require.Equal(t, 0, out.LAN.Members["failed"])
		require.NotNil(t, out.LAN.Suspects)
		require.Eventually(t, func() bool {
			out, err := fetchGossip(a)
			return err == nil && out.LAN.ProbesSent > 0 && out.LAN.PacketsSent > 0
		}, testWait, 50*time.Millisecond, "the agent probes its peer")
	}
}

// FuzzAutopilotConfigBody checks that any PUT body is read or refused
// with 400, never a panic, and that what is read has no negative duration.
func FuzzAutopilotConfigBody(f *testing.F) {
	f.Add([]byte(`{"CleanupDeadServers":false,"LastContactThreshold":"200ms","MaxTrailingLogs":250,"MinQuorum":3,"ServerStabilizationTime":"10s"}`))
	f.Add([]byte(`{"LastContactThreshold":-1}`))
	f.Add([]byte(`{"ServerStabilizationTime":"1h2m3.5s","MinQuorum":-1}`))
	f.Add([]byte(`null`))
	f.Fuzz(func(t *testing.T, body []byte) {
		c, err := parseAutopilotConfig(body)
		if err != nil {
			status, _ := statusOf(err)
			require.Equal(t, http.StatusBadRequest, status, err.Error())
			return
		}
		require.GreaterOrEqual(t, c.LastContactThreshold, time.Duration(0))
		require.GreaterOrEqual(t, c.ServerStabilizationTime, time.Duration(0))
	})
}

func TestAutopilotHealthOfThreeServersWhenOneStops(t *testing.T) {
	if testing.Short() {
		t.Skip("starts three servers")
	}
	servers := startServers(t, 3, "")
	leader := servers[leaderOf(servers)]
	c := apiClient(t, servers[followerOf(t, servers)], "")
	require.Eventually(t, func() bool {
		h, err := c.Operator().AutopilotServerHealth(nil)
		return err == nil && h.Healthy && h.FailureTolerance == 1 && len(h.Servers) == 3
	}, testWait, 50*time.Millisecond, "three healthy servers tolerate one failure")

	conf := seededAutopilot(t, c)
	conf.CleanupDeadServers = false
	ok, err := c.Operator().AutopilotCASConfiguration(conf, nil)
	require.NoError(t, err)
	require.True(t, ok)

	var stopped *Agent
	for _, a := range servers {
		if a != leader {
			stopped = a
			break
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), testWait)
	defer cancel()
	require.NoError(t, stopped.Shutdown(ctx))
	lc := apiClient(t, leader, "")
	var last *api.OperatorHealthReply
	require.Eventually(t, func() bool {
		h, err := lc.Operator().AutopilotServerHealth(nil)
		last = h
		if err != nil || h.Healthy || h.FailureTolerance != 0 {
			return false
		}
		for _, s := range h.Servers {
			if s.Name == stopped.cfg.NodeName {
				return !s.Healthy && s.SerfStatus == "failed"
			}
		}
		return false
	}, testWait, 100*time.Millisecond, "the stopped server turns unhealthy and failed")
	require.Len(t, last.Servers, 3, "CleanupDeadServers=false keeps the failed server in Raft")

	resp, err := http.Get("http://" + leader.HTTPAddr() + "/v1/operator/autopilot/health")
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusTooManyRequests, resp.StatusCode, "an unhealthy cluster answers 429, as Consul does")
}
