package config

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// builder accumulates the sources of one Load: the Config being filled, the
// values that can only be resolved once all sources are in, and where each
// key was last set (so that errors found after merging still name a file).
type builder struct {
	c Config
	// retryJoin and retryJoinWAN keep the entries with Port 0 where none
	// was given: the default is the final serf port, known only after
	// merging.
	retryJoin, retryJoinWAN []HostPort
	// origin maps a key path to the source that last set it.
	origin map[string]string
	// tls holds the levels of the "tls" stanza until finishTLS merges them.
	tls tlsLayers
}

// set reports whether any source set the key path.
func (b *builder) set(key string) bool { _, ok := b.origin[key]; return ok }

// topLevel is the schema of a config file: every accepted key and its rule.
var topLevel = object[*builder]{
	"datacenter":         stringRule(func(b *builder, s string) error { return setDatacenter(&b.c.Datacenter, s) }),
	"primary_datacenter": stringRule(func(b *builder, s string) error { return setDatacenter(&b.c.PrimaryDatacenter, s) }),
	"node_name":          stringRule(setNodeName),
	"node_id":            stringRule(setNodeID),
	"node_meta":          stringMapRule(func(b *builder, m map[string]string) { mergeInto(&b.c.NodeMeta, m) }),
	"tagged_addresses":   stringMapRule(func(b *builder, m map[string]string) { mergeInto(&b.c.TaggedAddresses, m) }),

	"bind_addr":          stringRule(func(b *builder, s string) error { return parseAddrInto(&b.c.BindAddr, s) }),
	"advertise_addr":     stringRule(func(b *builder, s string) error { return parseAddrInto(&b.c.AdvertiseAddr, s) }),
	"advertise_addr_wan": stringRule(func(b *builder, s string) error { return parseAddrInto(&b.c.AdvertiseAddrWAN, s) }),
	"client_addr":        stringRule(setClientAddr),
	"ports":              portsSchema.rule(),

	"data_dir":         stringRule(func(b *builder, s string) error { return nonEmpty(&b.c.DataDir, s) }),
	"server":           boolRule(func(b *builder, v bool) { b.c.Server = v }),
	"bootstrap":        boolRule(func(b *builder, v bool) { b.c.Bootstrap = v }),
	"bootstrap_expect": intRule(0, 1<<16, func(b *builder, n int) { b.c.BootstrapExpect = n }),

	"retry_join":         stringListRule(func(b *builder, l []string) error { return addJoins(&b.retryJoin, l) }),
	"start_join":         stringListRule(func(b *builder, l []string) error { return addJoins(&b.retryJoin, l) }),
	"retry_join_wan":     stringListRule(func(b *builder, l []string) error { return addJoins(&b.retryJoinWAN, l) }),
	"retry_interval":     durationRule(false, func(b *builder, d time.Duration) { b.c.RetryInterval = d }),
	"retry_max":          intRule(0, 1<<30, func(b *builder, n int) { b.c.RetryMax = n }),
	"rejoin_after_leave": boolRule(func(b *builder, v bool) { b.c.RejoinAfterLeave = v }),
	"reconnect_timeout":  durationRule(false, func(b *builder, d time.Duration) { b.c.ReconnectTimeout = d }),
	"encrypt":            secretRule(setEncrypt),

	"tls":                    tlsSchema.rule(),
	"ca_file":                legacyCAFile,
	"ca_path":                legacyCAPath,
	"cert_file":              legacyCertFile,
	"key_file":               legacyKeyFile,
	"verify_incoming":        legacyVerifyIncoming,
	"verify_incoming_rpc":    legacyVerifyIncomingRPC,
	"verify_incoming_https":  legacyVerifyIncomingHTTPS,
	"verify_outgoing":        legacyVerifyOutgoing,
	"verify_server_hostname": legacyVerifyServerHostname,

	"log_level": stringRule(setLogLevel),
	"log_json":  boolRule(func(b *builder, v bool) { b.c.LogJSON = v }),
	"log_file":  stringRule(func(b *builder, s string) error { b.c.LogFile = s; return nil }),

	"ui":           boolRule(func(b *builder, v bool) { b.c.UIEnabled = v }),
	"ui_config":    uiSchema.rule(),
	"enable_debug": boolRule(func(b *builder, v bool) { b.c.EnableDebug = v }),

	"limits":                  limitsSchema.rule(),
	"performance":             performanceSchema.rule(),
	"leave_on_terminate":      boolRule(func(b *builder, v bool) { b.c.LeaveOnTerminate = v }),
	"skip_leave_on_interrupt": boolRule(func(b *builder, v bool) { b.c.SkipLeaveOnInterrupt = v }),

	"acl":        aclSchema.rule(),
	"domain":     stringRule(setDomain),
	"recursors":  stringListRule(addRecursors),
	"dns_config": dnsSchema.rule(),
	"telemetry":  telemetrySchema.rule(),
	"autopilot":  autopilotSchema.rule(),

	"session_ttl_min":            durationRule(false, func(b *builder, d time.Duration) { b.c.SessionTTLMin = d }),
	"check_update_interval":      durationRule(false, func(b *builder, d time.Duration) { b.c.CheckUpdateInterval = d }),
	"enable_script_checks":       boolRule(func(b *builder, v bool) { b.c.EnableScriptChecks = v }),
	"enable_local_script_checks": boolRule(func(b *builder, v bool) { b.c.EnableLocalScriptChecks = v }),

	"raft_snapshot_threshold": intRule(1, 1<<30, func(b *builder, n int) { b.c.RaftSnapshotThreshold = n }),
	"raft_snapshot_interval":  durationRule(false, func(b *builder, d time.Duration) { b.c.RaftSnapshotInterval = d }),
	"raft_trailing_logs":      intRule(0, 1<<30, func(b *builder, n int) { b.c.RaftTrailingLogs = n }),
	"disable_update_check":    boolRule(func(b *builder, v bool) { b.c.DisableUpdateCheck = v }),

	"service":  single(newService, serviceRule, addService),
	"services": listOf(newService, serviceRule, addService),
	"check":    single(newCheck, checkRule, addCheck),
	"checks":   listOf(newCheck, checkRule, addCheck),
	"watches":  rawObjectList(func(b *builder, w map[string]any) { b.c.Watches = append(b.c.Watches, Watch(w)) }),
}

var portsSchema = object[*builder]{
	"http":     portRule(true, func(b *builder, p int) { b.c.Ports.HTTP = p }),
	"https":    portRule(true, func(b *builder, p int) { b.c.Ports.HTTPS = p }),
	"dns":      portRule(true, func(b *builder, p int) { b.c.Ports.DNS = p }),
	"serf_lan": portRule(false, func(b *builder, p int) { b.c.Ports.SerfLAN = p }),
	"serf_wan": portRule(true, func(b *builder, p int) { b.c.Ports.SerfWAN = p }),
	"server":   portRule(false, func(b *builder, p int) { b.c.Ports.Server = p }),
	"grpc":     portRule(true, func(b *builder, p int) { b.c.Ports.GRPC = p }),
	"grpc_tls": portRule(true, func(b *builder, p int) { b.c.Ports.GRPCTLS = p }),
}

var uiSchema = object[*builder]{
	"enabled":      boolRule(func(b *builder, v bool) { b.c.UIEnabled = v }),
	"content_path": stringRule(setContentPath),
}

var limitsSchema = object[*builder]{
	"http_max_conns_per_client": intRule(0, 1<<30, func(b *builder, n int) { b.c.Limits.HTTPMaxConnsPerClient = n }),
	"kv_max_value_size":         intRule(1, 1<<30, func(b *builder, n int) { b.c.Limits.KVMaxValueSize = n }),
	"txn_max_req_len":           intRule(1, 1<<30, func(b *builder, n int) { b.c.Limits.TxnMaxReqLen = n }),
}

var performanceSchema = object[*builder]{
	"raft_multiplier":  intRule(0, 10, func(b *builder, n int) { b.c.Performance.RaftMultiplier = n }),
	"rpc_hold_timeout": durationRule(false, func(b *builder, d time.Duration) { b.c.Performance.RPCHoldTimeout = d }),
	"leave_drain_time": durationRule(false, func(b *builder, d time.Duration) { b.c.Performance.LeaveDrainTime = d }),
}

var aclSchema = object[*builder]{
	"enabled":                  boolRule(func(b *builder, v bool) { b.c.ACL.Enabled = v }),
	"default_policy":           stringRule(func(b *builder, s string) error { return oneOf(&b.c.ACL.DefaultPolicy, s, "allow", "deny") }),
	"down_policy":              stringRule(setDownPolicy),
	"enable_token_persistence": boolRule(func(b *builder, v bool) { b.c.ACL.EnableTokenPersistence = v }),
	"enable_token_replication": boolRule(func(b *builder, v bool) { b.c.ACL.EnableTokenReplication = v }),
	"token_ttl":                durationRule(false, func(b *builder, d time.Duration) { b.c.ACL.TokenTTL = d }),
	"policy_ttl":               durationRule(false, func(b *builder, d time.Duration) { b.c.ACL.PolicyTTL = d }),
	"tokens":                   tokensSchema.rule(),
}

var tokensSchema = object[*builder]{
	"master":             secretRule(func(b *builder, s Secret) error { b.c.ACL.Tokens.InitialManagement = s; return nil }),
	"initial_management": secretRule(func(b *builder, s Secret) error { b.c.ACL.Tokens.InitialManagement = s; return nil }),
	"agent":              secretRule(func(b *builder, s Secret) error { b.c.ACL.Tokens.Agent = s; return nil }),
	"default":            secretRule(func(b *builder, s Secret) error { b.c.ACL.Tokens.Default = s; return nil }),
	"agent_master":       secretRule(func(b *builder, s Secret) error { b.c.ACL.Tokens.AgentRecovery = s; return nil }),
	"agent_recovery":     secretRule(func(b *builder, s Secret) error { b.c.ACL.Tokens.AgentRecovery = s; return nil }),
	"replication":        secretRule(func(b *builder, s Secret) error { b.c.ACL.Tokens.Replication = s; return nil }),
}

var dnsSchema = object[*builder]{
	"node_ttl":     durationRule(false, func(b *builder, d time.Duration) { b.c.DNS.NodeTTL = d }),
	"service_ttl":  serviceTTLRule,
	"only_passing": boolRule(func(b *builder, v bool) { b.c.DNS.OnlyPassing = v }),
	"allow_stale":  boolRule(func(b *builder, v bool) { b.c.DNS.AllowStale = v }),
	"max_stale":    durationRule(false, func(b *builder, d time.Duration) { b.c.DNS.MaxStale = d }),
}

var telemetrySchema = object[*builder]{
	"prometheus_retention_time": durationRule(false, func(b *builder, d time.Duration) { b.c.Telemetry.PrometheusRetentionTime = d }),
	"disable_hostname":          boolRule(func(b *builder, v bool) { b.c.Telemetry.DisableHostname = v }),
	"metrics_prefix":            stringRule(func(b *builder, s string) error { return nonEmpty(&b.c.Telemetry.MetricsPrefix, s) }),
}

var autopilotSchema = object[*builder]{
	"cleanup_dead_servers":      boolRule(func(b *builder, v bool) { b.c.Autopilot.CleanupDeadServers = v }),
	"last_contact_threshold":    durationRule(false, func(b *builder, d time.Duration) { b.c.Autopilot.LastContactThreshold = d }),
	"max_trailing_logs":         intRule(0, 1<<30, func(b *builder, n int) { b.c.Autopilot.MaxTrailingLogs = n }),
	"server_stabilization_time": durationRule(false, func(b *builder, d time.Duration) { b.c.Autopilot.ServerStabilizationTime = d }),
	"min_quorum":                intRule(0, 1<<16, func(b *builder, n int) { b.c.Autopilot.MinQuorum = n }),
}

// serviceTTLRule accepts {"name-or-prefix*": "duration"} and merges it.
func serviceTTLRule(b *builder, v any, at string) error {
	m, ok := v.(map[string]any)
	if !ok {
		return mismatch(at, "an object of durations", v)
	}
	if b.c.DNS.ServiceTTL == nil {
		b.c.DNS.ServiceTTL = map[string]time.Duration{}
	}
	for _, name := range sortedKeys(m) {
		d, err := parseDuration(m[name], false)
		if err != nil {
			return keyErr(child(at, name), "%s", err.Error())
		}
		b.c.DNS.ServiceTTL[name] = d
	}
	return nil
}

// rawObjectList accepts a list of objects and keeps each one as decoded.
func rawObjectList(add func(*builder, map[string]any)) rule[*builder] {
	return func(b *builder, v any, at string) error {
		list, ok := v.([]any)
		if !ok {
			return mismatch(at, "a list of objects", v)
		}
		for i, e := range list {
			m, ok := e.(map[string]any)
			if !ok {
				return mismatch(index(at, i), "an object", e)
			}
			add(b, m)
		}
		return nil
	}
}

// mergeInto adds the pairs of src to *dst, later values winning.
func mergeInto(dst *map[string]string, src map[string]string) {
	if *dst == nil {
		*dst = map[string]string{}
	}
	for k, v := range src {
		(*dst)[k] = v
	}
}

// nonEmpty stores s, refusing the empty string.
func nonEmpty(dst *string, s string) error {
	if s == "" {
		return errors.New("must not be empty")
	}
	*dst = s
	return nil
}

// oneOf stores s if it is one of the allowed values.
func oneOf(dst *string, s string, allowed ...string) error {
	for _, a := range allowed {
		if s == a {
			*dst = s
			return nil
		}
	}
	return fmt.Errorf("must be one of %s, got %q", strings.Join(allowed, ", "), s)
}
