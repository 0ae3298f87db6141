// Package config turns an agent's config files and command-line flags into
// one checked, typed runtime [Config].
//
// # Where values come from
//
// A Config is built in layers, each overriding the one before:
//
//  1. the defaults below (or, with -dev, the dev defaults: one server that
//     bootstraps itself, kept in memory, with the UI on, bound to 127.0.0.1);
//  2. config files, in the order the -config-file and -config-dir flags
//     were given; a directory contributes its *.json files in lexical order
//     (subdirectories and other files are skipped, and a *.hcl file is an
//     error: cairn reads JSON only);
//  3. command-line flags.
//
// A scalar from a later layer replaces an earlier one. Lists accumulate
// (retry_join, retry_join_wan, start_join, recursors, services, checks,
// watches) and maps merge key by key, the later value winning (node_meta,
// tagged_addresses, dns_config.service_ttl). Flags are turned into a tree
// shaped like a config file and pass through exactly the same rules.
//
// # Strictness
//
// Each file is decoded with encoding/json (numbers kept exact) into a tree
// of maps and lists, then walked by a schema of rules ([rule], one per key,
// in schema.go and services.go). An unknown key, a value of the wrong type
// or an out-of-range value stops the load with an [*Error] naming the file
// and the key path, for example
//
//	config: /data/consul/server1/config/config.json: ports.http: must be an integer port 0-65535, got "x"
//
// Checks that need the merged whole (bootstrap_expect only on servers, a
// data_dir outside -dev, distinct ports) run after merging in finish.go
// and name the file that last set the offending key. Secrets (encrypt and
// every token) are of type [Secret]: errors never echo them, and every way
// of printing a Config, [Config.String] included, shows them as "hidden".
//
// # Keys
//
// Durations are Go duration strings ("10s", "1m30s"). Inside service and
// check definitions a plain number is also accepted, as nanoseconds, as
// Consul's API does; elsewhere only 0 is. Ports take 0 to let the system
// pick a free port and, where marked, -1 to disable the listener.
//
//	key                               default          meaning
//	datacenter                        "dc1"            datacenter name; lower-cased; [a-z0-9_-]
//	primary_datacenter                = datacenter     datacenter authoritative for ACLs
//	node_name                         host name        node name in the catalog
//	node_id                           generated        UUID-shaped hex 8-4-4-4-12 (any version), lower-cased
//	node_meta                         {}               string map of node metadata
//	tagged_addresses                  {}               string map of extra node addresses
//	bind_addr                         "0.0.0.0"        gossip and server RPC address; IP only
//	advertise_addr                    see meaning      address given to others: bind_addr, or with
//	                                                   0.0.0.0 the host's single non-loopback IPv4
//	advertise_addr_wan                advertise_addr   address given to the WAN pool
//	client_addr                       "127.0.0.1"      space-separated HTTP and DNS listen addresses
//	ports.http                        8500             HTTP API; -1 disables
//	ports.https                       -1               HTTPS API; needs a certificate (tls.https)
//	ports.dns                         8600             DNS over UDP and TCP; -1 disables
//	ports.serf_lan                    8301             LAN gossip
//	ports.serf_wan                    8302             WAN gossip; -1 disables
//	ports.server                      8300             server RPC and Raft
//	ports.grpc                        8502             accepted; nothing listens; -1 disables
//	ports.grpc_tls                    -1               accepted; nothing listens
//	data_dir                          required         persistent state; may be empty only with -dev
//	server                            false            run as a Raft voter
//	bootstrap_expect                  0                servers to wait for before electing; servers only
//	bootstrap                         false            legacy: same as bootstrap_expect 1; not with it
//	retry_join, start_join            []               LAN members, host or host:port (port: serf_lan)
//	retry_join_wan                    []               WAN members, host or host:port (port: serf_wan)
//	retry_interval                    30s              pause between join attempts
//	retry_max                         0                join attempts; 0 is unlimited
//	rejoin_after_leave                false            rejoin at start after a graceful leave
//	reconnect_timeout                 72h              keep failed members this long; at least 8h
//	encrypt                           ""               gossip key: base64 of 16, 24 or 32 bytes; secret
//	tls.defaults.ca_file, ca_path     ""               CA certificates peers are checked against
//	tls.defaults.cert_file, key_file  ""               this agent's certificate and key (PEM)
//	tls.defaults.verify_incoming      false            refuse peers without a certificate from the CA
//	tls.defaults.verify_outgoing      false            dial servers in TLS and check their certificate
//	tls.defaults.tls_min_version      "TLSv1_2"        TLSv1_2 or TLSv1_3
//	tls.https.*, tls.internal_rpc.*   tls.defaults     the same keys, per listener (HTTPS; server port)
//	tls.internal_rpc.verify_server_hostname  false     servers must hold server.<dc>.<domain> certificates
//	ca_file, cert_file, key_file,     ""/false         Consul's legacy top-level forms of the tls keys
//	verify_incoming[_rpc|_https], verify_outgoing, verify_server_hostname
//	log_level                         "info"           trace, debug, info, warn, error; any case
//	log_json                          false            JSON log lines
//	log_file                          ""               also log to this file
//	ui, ui_config.enabled             false            serve the web UI
//	ui_config.content_path            "/ui/"           HTTP path of the UI
//	limits.http_max_conns_per_client  200              concurrent HTTP connections per client IP
//	limits.kv_max_value_size          524288           largest KV value, bytes
//	limits.txn_max_req_len            524288           largest transaction request, bytes
//	performance.raft_multiplier       1 (0 means 1)    scales Raft timeouts, 1-10
//	performance.rpc_hold_timeout      7s               RPC retry window during elections
//	performance.leave_drain_time      5s               RPC drain time of a leaving server
//	leave_on_terminate                !server          leave the cluster on SIGTERM
//	skip_leave_on_interrupt           server           do not leave on SIGINT
//	acl.enabled                       false            enforce ACLs
//	acl.default_policy                "allow"          allow or deny when no rule matches
//	acl.down_policy                   "extend-cache"   allow, deny, extend-cache or async-cache
//	acl.enable_token_persistence      false            persist tokens set through the API
//	acl.enable_token_replication      false            replicate global tokens from primary_datacenter
//	acl.token_ttl, acl.policy_ttl     30s              how long an agent trusts a resolved token, policy
//	acl.tokens.initial_management     ""               bootstrap management token; alias "master"
//	acl.tokens.agent                  ""               the agent's own token
//	acl.tokens.default                ""               token of requests without one
//	acl.tokens.agent_recovery         ""               local recovery token; alias "agent_master"
//	acl.tokens.replication            ""               ACL replication token
//	domain                            "consul."        DNS domain
//	recursors                         []               upstream DNS servers, ip or ip:port (port 53)
//	dns_config.node_ttl               0s               TTL of node answers
//	dns_config.service_ttl            {}               TTL per service name or "prefix*"
//	dns_config.only_passing           false            drop instances with warning checks
//	dns_config.allow_stale            true             let any server answer
//	dns_config.max_stale              87600h           staleness bound of DNS answers
//	telemetry.prometheus_retention_time 0s             accepted; Prometheus format is always served
//	telemetry.disable_hostname        false            no host name prefix on gauges
//	telemetry.metrics_prefix          "consul"         metric name prefix (dashboard compatible)
//	autopilot.cleanup_dead_servers    true             remove failed servers from Raft
//	autopilot.last_contact_threshold  200ms            healthy server's leader contact bound
//	autopilot.max_trailing_logs       250              healthy server's log lag bound
//	autopilot.server_stabilization_time 10s            healthy time before promotion
//	autopilot.min_quorum              0                servers dead-server cleanup keeps
//	session_ttl_min                   10s              shortest session TTL
//	check_update_interval             5m               defer syncing unchanged check output
//	enable_script_checks              false            allow script checks from any source
//	enable_local_script_checks        false            allow script checks from config files
//	raft_snapshot_threshold           16384            new entries that trigger a snapshot
//	raft_snapshot_interval            30s              how often the threshold is checked
//	raft_trailing_logs                10000            entries kept behind a snapshot
//	disable_update_check              false            accepted; cairn never phones home
//	service / services                []               service definitions (one object / a list):
//	                                                   id (= name), name (required), tags, address,
//	                                                   port, meta, enable_tag_override,
//	                                                   weights{passing 1, warning 1}, token,
//	                                                   check / checks
//	check / checks                    []               check definitions: id (= name, or
//	                                                   "service:<id>[:n]" in a service), name,
//	                                                   service_id, exactly one of http (with method,
//	                                                   header), tcp, grpc, ttl, args; interval
//	                                                   (required but for ttl), timeout,
//	                                                   deregister_critical_service_after,
//	                                                   status, notes, token
//	watches                           []               kept as raw objects for the watch subsystem
//
// # Files
//
//	config.go    the runtime Config and its parts
//	defaults.go  defaults and -dev's overrides
//	rules.go     the schema machinery: one rule per key, key-path errors
//	schema.go    the top-level keys and their nested objects
//	services.go  service and check definitions
//	values.go    parsing and normalising single values (addresses, IDs, levels)
//	load.go      reading files and directories, decoding, layering
//	finish.go    derived defaults and checks on the merged whole
//	flags.go     the agent's command-line flags as the last layer
//	secret.go    the redacted Secret type and the gossip key
//	logging.go   log_level as a zap level
//	watch.go     raw watch definitions, printed with tokens hidden
//	redact.go    Config.String, a stable redacted dump
package config
