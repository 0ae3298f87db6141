package main

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// autopilotConfiguration is /v1/operator/autopilot/configuration as a
// cairn or Consul agent answers it.
const autopilotConfiguration = `{"CleanupDeadServers":true,"LastContactThreshold":"200ms","MaxTrailingLogs":250,
 "MinQuorum":0,"ServerStabilizationTime":"10s","RedundancyZoneTag":"","DisableUpgradeMigration":false,
 "UpgradeVersionTag":"","CreateIndex":4,"ModifyIndex":9}`

func TestAutopilotGetConfigPrintsEverySetting(t *testing.T) {
	newFakeAgent(t, map[string]http.HandlerFunc{"GET /v1/operator/autopilot/configuration": replyJSON(autopilotConfiguration)})
	code, out, errOut := runCairn("operator", "autopilot", "get-config")
	require.Equal(t, 0, code, errOut)
	require.Equal(t, ""+
		"CleanupDeadServers = true\n"+
		"LastContactThreshold = 200ms\n"+
		"MaxTrailingLogs = 250\n"+
		"MinQuorum = 0\n"+
		"ServerStabilizationTime = 10s\n"+
		"RedundancyZoneTag = \"\"\n"+
		"DisableUpgradeMigration = false\n"+
		"UpgradeVersionTag = \"\"\n", out)
}

func TestAutopilotSetConfigChangesOnlyTheGivenSettingsAsACAS(t *testing.T) {
	a := newFakeAgent(t, map[string]http.HandlerFunc{
		"GET /v1/operator/autopilot/configuration": replyJSON(autopilotConfiguration),
		"PUT /v1/operator/autopilot/configuration": replyJSON("true"),
	})
	code, out, errOut := runCairn("operator", "autopilot", "set-config", "-cleanup-dead-servers=false",
		"-last-contact-threshold=1s", "-min-quorum=3")
	require.Equal(t, 0, code, errOut)
	require.Equal(t, "Configuration updated!\n", out)
	put := a.last(t)
	require.Equal(t, "9", put.Query.Get("cas"), "a check-and-set on the ModifyIndex read first")
	var sent autopilotConfig
	require.NoError(t, json.Unmarshal([]byte(put.Body), &sent))
	require.False(t, sent.CleanupDeadServers)
	require.Equal(t, "1s", sent.LastContactThreshold)
	require.Equal(t, uint(3), sent.MinQuorum)
	require.Equal(t, uint64(250), sent.MaxTrailingLogs, "settings without a flag stay")
	require.Equal(t, "10s", sent.ServerStabilizationTime)
}

func TestAutopilotSetConfigReportsALostCASAndBadFlags(t *testing.T) {
	a := newFakeAgent(t, map[string]http.HandlerFunc{
		"GET /v1/operator/autopilot/configuration": replyJSON(autopilotConfiguration),
		"PUT /v1/operator/autopilot/configuration": replyJSON("false"),
	})
	code, _, errOut := runCairn("operator", "autopilot", "set-config", "-max-trailing-logs=10")
	require.Equal(t, 1, code)
	require.Equal(t, "Configuration could not be atomically updated, please try again\n", errOut)

	n := len(a.seen())
	for _, bad := range []string{"-last-contact-threshold=soon", "-last-contact-threshold=-1s", "-min-quorum=-2"} {
		code, _, errOut = runCairn("operator", "autopilot", "set-config", bad)
		require.Equal(t, 1, code, bad)
		require.NotEmpty(t, errOut, bad)
	}
	require.Len(t, a.seen(), n, "a bad flag sends nothing")
}

func TestAutopilotStatePrintsServersInIDOrder(t *testing.T) {
	newFakeAgent(t, map[string]http.HandlerFunc{"GET /v1/operator/autopilot/state": replyJSON(`{
 "Healthy":false,"FailureTolerance":0,"OptimisticFailureTolerance":1,"Leader":"aaaa","Voters":["aaaa","bbbb","cccc"],
 "Servers":{
  "cccc":{"ID":"cccc","Name":"s3","Address":"10.0.0.3:8300","NodeStatus":"failed","Version":"1","LastContact":"25s",
   "LastTerm":2,"LastIndex":40,"Healthy":false,"Status":"voter","NodeType":"voter"},
  "aaaa":{"ID":"aaaa","Name":"s1","Address":"10.0.0.1:8300","NodeStatus":"alive","Version":"1","LastContact":"0s",
   "LastTerm":3,"LastIndex":57,"Healthy":true,"Status":"leader","NodeType":"voter"}}}`)})
	code, out, errOut := runCairn("operator", "autopilot", "state")
	require.Equal(t, 0, code, errOut)
	require.Equal(t, ""+
		"Healthy:                      false\n"+
		"Failure Tolerance:            0\n"+
		"Optimistic Failure Tolerance: 1\n"+
		"Leader:                       aaaa\n"+
		"Voters:\n"+
		"   aaaa\n"+
		"   bbbb\n"+
		"   cccc\n"+
		"\n"+
		"Servers:\n"+
		"   aaaa\n"+
		"      Name:         s1\n"+
		"      Address:      10.0.0.1:8300\n"+
		"      Version:      1\n"+
		"      Status:       leader\n"+
		"      Node Type:    voter\n"+
		"      Node Status:  alive\n"+
		"      Healthy:      true\n"+
		"      Last Contact: 0s\n"+
		"      Last Term:    3\n"+
		"      Last Index:   57\n"+
		"   cccc\n"+
		"      Name:         s3\n"+
		"      Address:      10.0.0.3:8300\n"+
		"      Version:      1\n"+
		"      Status:       voter\n"+
		"      Node Type:    voter\n"+
		"      Node Status:  failed\n"+
		"      Healthy:      false\n"+
		"      Last Contact: 25s\n"+
		"      Last Term:    2\n"+
		"      Last Index:   40\n", out)
}

func TestAutopilotCommandsReportAgentErrorsOnOneLine(t *testing.T) {
	newFakeAgent(t, map[string]http.HandlerFunc{
		"GET /v1/operator/autopilot/configuration": reply(403, "Permission denied"),
		"GET /v1/operator/autopilot/state":         reply(500, "No cluster leader"),
	})
	code, _, errOut := runCairn("operator", "autopilot", "get-config")
	require.Equal(t, 1, code)
	require.Equal(t, "Error querying Autopilot configuration: Unexpected response code: 403 (Permission denied)\n", errOut)
	code, _, errOut = runCairn("operator", "autopilot", "state")
	require.Equal(t, 1, code)
	require.Equal(t, "Error querying Autopilot state: Unexpected response code: 500 (No cluster leader)\n", errOut)
	code, _, errOut = runCairn("operator", "autopilot")
	require.Equal(t, 1, code)
	require.Contains(t, errOut, "get-config")
}

func TestAutopilotSetThenGetAgainstARealAgent(t *testing.T) {
	c := startRealAgent(t)
	require.Eventually(t, func() bool {
		var conf autopilotConfig
		return c.getJSON("/v1/operator/autopilot/configuration", nil, &conf) == nil && conf.ModifyIndex != 0
	}, 30*time.Second, 20*time.Millisecond, "the leader seeds the settings first, so the CAS below cannot race it")
	code, out, errOut := runCairn("operator", "autopilot", "set-config", "-min-quorum=2", "-server-stabilization-time=30s")
	require.Equal(t, 0, code, errOut)
	require.Equal(t, "Configuration updated!\n", out)
	code, out, errOut = runCairn("operator", "autopilot", "get-config")
	require.Equal(t, 0, code, errOut)
	require.Contains(t, out, "MinQuorum = 2\n")
	require.Contains(t, out, "ServerStabilizationTime = 30s\n")
	require.Contains(t, out, "CleanupDeadServers = true\n", "settings without a flag stay")
	code, out, errOut = runCairn("operator", "autopilot", "state")
	require.Equal(t, 0, code, errOut)
	require.Contains(t, out, "Healthy:                      true")
	require.Contains(t, out, "Status:       leader")
}
