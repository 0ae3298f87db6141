package runtime

import (
	"net/http"
	"time"

	"github.com/cairn-sd/cairn/agent/config"
	"github.com/cairn-sd/cairn/agent/core"
	"github.com/cairn-sd/cairn/catalog"
)

// Autopilot's endpoints, in Consul's shapes: the settings are replicated
// state (read like any catalog table, blocking included; written through
// Raft, optionally as a check-and-set), while health and state are the
// leader's live judgement (agent/core/autopilot.go), which a follower
// fetches from the leader.

// autopilotConfigView is /v1/operator/autopilot/configuration's body
// (api.AutopilotConfiguration). Durations read as strings ("200ms") or
// numbers of nanoseconds. The redundancy-zone and upgrade fields of
// Consul Enterprise are accepted and answered empty.
type autopilotConfigView struct {
	CleanupDeadServers      bool
	LastContactThreshold    catalog.Duration
	MaxTrailingLogs         uint64
	MinQuorum               uint
	ServerStabilizationTime catalog.Duration
	RedundancyZoneTag       string
	DisableUpgradeMigration bool
	UpgradeVersionTag       string
	CreateIndex             uint64
	ModifyIndex             uint64
}

func configView(c catalog.AutopilotConfig) autopilotConfigView {
	return autopilotConfigView{
		CleanupDeadServers: c.CleanupDeadServers, LastContactThreshold: catalog.Duration(c.LastContactThreshold),
		MaxTrailingLogs: c.MaxTrailingLogs, MinQuorum: c.MinQuorum,
		ServerStabilizationTime: catalog.Duration(c.ServerStabilizationTime),
		CreateIndex:             c.CreateIndex, ModifyIndex: c.ModifyIndex,
	}
}

// operatorAutopilotConfiguration serves GET and PUT
// /v1/operator/autopilot/configuration. PUT replaces the settings with
// the body (fields left out become zero, as in Consul) and answers true,
// or with ?cas=<ModifyIndex> true or false.
func (a *Agent) operatorAutopilotConfiguration(w http.ResponseWriter, r *http.Request, _ string) error {
	if r.Method == http.MethodGet {
		return a.serveRead(w, r, func(ws *catalog.WatchSet) (uint64, any, error) {
			idx, c := a.server.Catalog().AutopilotConfig(ws)
			return idx, configView(c), nil
		})
	}
	cas, isCAS, err := parseUintParam(r.URL.Query(), "cas", "cas")
	if err != nil {
		return err
	}
	body, err := readBody(r)
	if err != nil {
		return err
	}
	c, err := parseAutopilotConfig(body)
	if err != nil {
		return err
	}
	ok, err := a.apply(r.Context(), &catalog.AutopilotSetRequest{CAS: isCAS, Index: cas, Config: c})
	if err != nil {
		return err
	}
	writeBool(w, ok)
	return nil
}

// parseAutopilotConfig reads a PUT body, refusing what does not decode
// and negative durations with 400.
func parseAutopilotConfig(body []byte) (catalog.AutopilotConfig, error) {
	var v autopilotConfigView
	if err := decodeJSON(body, &v); err != nil {
		return catalog.AutopilotConfig{}, err
	}
	if v.LastContactThreshold < 0 || v.ServerStabilizationTime < 0 {
		return catalog.AutopilotConfig{}, badRequest("LastContactThreshold and ServerStabilizationTime must not be negative")
	}
	return catalog.AutopilotConfig{
		CleanupDeadServers: v.CleanupDeadServers, LastContactThreshold: time.Duration(v.LastContactThreshold),
		MaxTrailingLogs: v.MaxTrailingLogs, MinQuorum: v.MinQuorum,
		ServerStabilizationTime: time.Duration(v.ServerStabilizationTime),
	}, nil
}

// serverHealthView is one server of /v1/operator/autopilot/health
// (api.ServerHealth).
type serverHealthView struct {
	ID          string
	Name        string
	Address     string
	SerfStatus  string
	Version     string
	Leader      bool
	LastContact catalog.Duration
	LastTerm    uint64
	LastIndex   uint64
	Healthy     bool
	Voter       bool
	StableSince time.Time
}

// autopilotHealth fetches the leader's judgement.
func (a *Agent) autopilotHealth(r *http.Request) (core.AutopilotHealth, error) {
	type outcome struct {
		h   core.AutopilotHealth
		err error
	}
	o, err := onLoop(r.Context(), a, func(reply func(outcome)) {
		a.server.AutopilotHealth(func(h core.AutopilotHealth, err error) { reply(outcome{h, err}) })
	})
	if err != nil {
		return core.AutopilotHealth{}, err
	}
	return o.h, o.err
}

// operatorAutopilotHealth serves GET /v1/operator/autopilot/health
// (api.OperatorHealthReply), with status 429 when a server is unhealthy,
// as Consul answers so that a load balancer's check fails.
func (a *Agent) operatorAutopilotHealth(w http.ResponseWriter, r *http.Request, _ string) error {
	h, err := a.autopilotHealth(r)
	if err != nil {
		return err
	}
	out := struct {
		Healthy          bool
		FailureTolerance int
		Servers          []serverHealthView
	}{Healthy: h.Healthy, FailureTolerance: h.FailureTolerance, Servers: []serverHealthView{}}
	for _, s := range h.Servers {
		out.Servers = append(out.Servers, serverHealthView{
			ID: s.ID, Name: s.Name, Address: s.Address, SerfStatus: s.SerfStatus, Version: s.Version,
			Leader: s.Leader, LastContact: catalog.Duration(s.LastContact), LastTerm: s.LastTerm,
			LastIndex: s.LastIndex, Healthy: s.Healthy, Voter: s.Voter, StableSince: s.StableSince,
		})
	}
	if !h.Healthy {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusTooManyRequests)
	}
	writeJSON(w, r, out)
	return nil
}

// autopilotServerView is one server of /v1/operator/autopilot/state
// (api.AutopilotServer).
type autopilotServerView struct {
	ID          string
	Name        string
	Address     string
	NodeStatus  string
	Version     string
	LastContact catalog.Duration
	LastTerm    uint64
	LastIndex   uint64
	Healthy     bool
	StableSince time.Time
	ReadReplica bool
	Status      string
	Meta        map[string]string
	NodeType    string
}

// autopilotStateView is /v1/operator/autopilot/state (api.AutopilotState,
// the shape of Consul 1.9 and later).
type autopilotStateView struct {
	Healthy                    bool
	FailureTolerance           int
	OptimisticFailureTolerance int
	Servers                    map[string]autopilotServerView
	Leader                     string
	Voters                     []string
}

// operatorAutopilotState serves GET /v1/operator/autopilot/state.
func (a *Agent) operatorAutopilotState(w http.ResponseWriter, r *http.Request, _ string) error {
	h, err := a.autopilotHealth(r)
	if err != nil {
		return err
	}
	out := autopilotStateView{Healthy: h.Healthy, FailureTolerance: h.FailureTolerance,
		OptimisticFailureTolerance: h.OptimisticFailureTolerance, Leader: h.Leader,
		Voters: append([]string{}, h.Voters...), Servers: map[string]autopilotServerView{}}
	for _, s := range h.Servers {
		status := "non-voter"
		switch {
		case s.Leader:
			status = "leader"
		case s.Voter:
			status = "voter"
		}
		out.Servers[s.ID] = autopilotServerView{
			ID: s.ID, Name: s.Name, Address: s.Address, NodeStatus: s.SerfStatus, Version: s.Version,
			LastContact: catalog.Duration(s.LastContact), LastTerm: s.LastTerm, LastIndex: s.LastIndex,
			Healthy: s.Healthy, StableSince: s.StableSince, Status: status, Meta: map[string]string{},
			NodeType: "voter",
		}
	}
	writeJSON(w, r, out)
	return nil
}

// autopilotSettings turns the configuration file's autopilot block into
// the settings the leader seeds the catalog with.
func autopilotSettings(c config.Autopilot) *catalog.AutopilotConfig {
	return &catalog.AutopilotConfig{
		CleanupDeadServers: c.CleanupDeadServers, LastContactThreshold: c.LastContactThreshold,
		MaxTrailingLogs: uint64(max(c.MaxTrailingLogs, 0)), ServerStabilizationTime: c.ServerStabilizationTime,
		MinQuorum: uint(max(c.MinQuorum, 0)),
	}
}
