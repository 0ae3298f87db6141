package config

import (
	"encoding/json"
	"flag"
	"fmt"
	"strconv"
	"strings"
)

// Flags collects the agent's command-line settings. Each flag writes the
// key it stands for into a tree shaped like a config file, so flags are
// checked by the same rules as files and override them as the last source.
type Flags struct {
	dev   bool
	paths []string
	tree  map[string]any
}

// NewFlags registers the agent's flags on fs and returns what they collect.
// Go's flag package accepts both -flag and --flag.
func NewFlags(fs *flag.FlagSet) *Flags {
	f := &Flags{tree: map[string]any{}}
	fs.BoolVar(&f.dev, "dev", false, "run one in-memory server for development")
	fs.Var(pathFlag{&f.paths}, "config-dir", "directory of *.json config files, loaded in lexical order (repeatable)")
	fs.Var(pathFlag{&f.paths}, "config-file", "a JSON config file (repeatable)")

	f.bool(fs, "server", "server", "run as a server")
	f.number(fs, "bootstrap-expect", "bootstrap_expect", "servers to wait for before the first election")
	f.bool(fs, "bootstrap", "bootstrap", "legacy: elect this server alone")
	f.str(fs, "datacenter", "datacenter", "datacenter name (default dc1)")
	f.str(fs, "node", "node_name", "node name (default: host name)")
	f.str(fs, "node-id", "node_id", "node ID, UUID-shaped")
	f.str(fs, "bind", "bind_addr", "address for gossip and server RPC (default 0.0.0.0)")
	f.str(fs, "client", "client_addr", "space-separated addresses for HTTP and DNS (default 127.0.0.1)")
	f.str(fs, "advertise", "advertise_addr", "address advertised to other members")
	f.str(fs, "data-dir", "data_dir", "directory for persistent state")
	f.list(fs, "retry-join", "retry_join", "LAN member to join, host[:port] (repeatable)")
	f.list(fs, "retry-join-wan", "retry_join_wan", "WAN member to join, host[:port] (repeatable)")
	fs.Func("encrypt", "gossip encryption key (see cairn keygen)", func(s string) error { f.put("encrypt", Secret(s)); return nil })
	f.bool(fs, "ui", "ui", "serve the web UI")
	f.str(fs, "log-level", "log_level", "trace, debug, info, warn or error (default info)")
	f.bool(fs, "log-json", "log_json", "write logs as JSON")
	f.str(fs, "log-file", "log_file", "also write logs to this file")
	f.str(fs, "domain", "domain", "DNS domain (default consul.)")
	f.list(fs, "recursor", "recursors", "upstream DNS server, ip[:port] (repeatable)")
	fs.Func("node-meta", "node metadata as key:value (repeatable)", f.putMeta)
	f.number(fs, "http-port", "ports.http", "HTTP API port (default 8500)")
	f.number(fs, "dns-port", "ports.dns", "DNS port (default 8600)")
	f.number(fs, "serf-lan-port", "ports.serf_lan", "LAN gossip port (default 8301)")
	f.number(fs, "serf-wan-port", "ports.serf_wan", "WAN gossip port (default 8302)")
	f.number(fs, "server-port", "ports.server", "server RPC port (default 8300)")
	f.number(fs, "grpc-port", "ports.grpc", "gRPC port (default 8502; nothing listens yet)")
	return f
}

// Options returns the load options the parsed flags ask for.
func (f *Flags) Options() Options {
	return Options{Dev: f.dev, ConfigPaths: f.paths, flags: f}
}

// putMeta stores one -node-meta key:value pair.
func (f *Flags) putMeta(s string) error {
	key, value, ok := strings.Cut(s, ":")
	if !ok || key == "" {
		return fmt.Errorf("want key:value, got %q", s)
	}
	meta, _ := f.get("node_meta").(map[string]any)
	if meta == nil {
		meta = map[string]any{}
		f.put("node_meta", meta)
	}
	meta[key] = value
	return nil
}

// put stores v at the dotted key path in the flag tree.
func (f *Flags) put(key string, v any) {
	m := f.tree
	parts := strings.Split(key, ".")
	for _, p := range parts[:len(parts)-1] {
		next, ok := m[p].(map[string]any)
		if !ok {
			next = map[string]any{}
			m[p] = next
		}
		m = next
	}
	m[parts[len(parts)-1]] = v
}

// get returns the value at the dotted key path, or nil.
func (f *Flags) get(key string) any {
	var v any = f.tree
	for _, p := range strings.Split(key, ".") {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[p]
	}
	return v
}

func (f *Flags) str(fs *flag.FlagSet, name, key, usage string) {
	fs.Func(name, usage, func(s string) error { f.put(key, s); return nil })
}

// number keeps the text as a json.Number so that the key's rule, not the
// flag package, judges it and reports the key.
func (f *Flags) number(fs *flag.FlagSet, name, key, usage string) {
	fs.Func(name, usage, func(s string) error { f.put(key, json.Number(s)); return nil })
}

func (f *Flags) bool(fs *flag.FlagSet, name, key, usage string) {
	fs.BoolFunc(name, usage, func(s string) error {
		v, err := strconv.ParseBool(s)
		if err != nil {
			return err
		}
		f.put(key, v)
		return nil
	})
}

func (f *Flags) list(fs *flag.FlagSet, name, key, usage string) {
	fs.Func(name, usage, func(s string) error {
		prev, _ := f.get(key).([]any)
		f.put(key, append(prev, s))
		return nil
	})
}

// pathFlag appends each occurrence to a shared, ordered list of paths, so
// -config-file and -config-dir load in the order given.
type pathFlag struct{ paths *[]string }

func (p pathFlag) String() string {
	if p.paths == nil {
		return ""
	}
	return strings.Join(*p.paths, ",")
}

func (p pathFlag) Set(s string) error {
	*p.paths = append(*p.paths, s)
	return nil
}
