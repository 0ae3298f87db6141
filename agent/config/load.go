package config

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
)

// Options says where Load reads the configuration from, and gives it the
// two facts it needs from the host.
type Options struct {
	// Dev starts from -dev's defaults instead of the normal ones.
	Dev bool
	// ConfigPaths are config files and directories, loaded in this order.
	// A directory contributes its *.json files in lexical order; its
	// subdirectories and other files are ignored.
	ConfigPaths []string
	// Hostname gives the default node_name; nil means os.Hostname.
	Hostname func() (string, error)
	// InterfaceAddrs lists the host's addresses, to choose the advertise
	// address when bind_addr is 0.0.0.0; nil means the real interfaces.
	InterfaceAddrs func() ([]netip.Addr, error)

	// flags holds the layer of command-line settings, applied last. It is
	// a pointer so that printing Options shows no values (and no secrets).
	flags *Flags
}

// flagSource names the command-line layer in errors.
const flagSource = "command-line flags"

// layer is one decoded source: a file or the command line.
type layer struct {
	source string
	tree   map[string]any
}

// topLevelRule checks and applies one whole source.
var topLevelRule = topLevel.rule()

// Load builds the runtime configuration: defaults (or -dev's), then every
// config file in order, then the command-line flags. Scalars from a later
// source replace earlier ones; lists (retry_join, services, checks, ...)
// accumulate; maps (node_meta, ...) merge key by key. Every error is an
// *Error naming the source and the key.
func Load(opts Options) (*Config, error) {
	var layers []layer
	for _, p := range opts.ConfigPaths {
		ls, err := readPath(p)
		if err != nil {
			return nil, err
		}
		layers = append(layers, ls...)
	}
	return build(layers, opts)
}

// Parse builds the runtime configuration from one JSON document, as if it
// were the only config file, followed by opts' flags; opts.ConfigPaths is
// not read. source names the document in errors.
func Parse(source string, data []byte, opts Options) (*Config, error) {
	l, err := decodeLayer(source, data)
	if err != nil {
		return nil, err
	}
	return build([]layer{l}, opts)
}

// build applies the layers and finishes the configuration.
func build(layers []layer, opts Options) (*Config, error) {
	if opts.flags != nil {
		layers = append(layers, layer{source: flagSource, tree: opts.flags.tree})
	}
	b := &builder{c: defaults(), origin: map[string]string{}}
	if opts.Dev {
		applyDev(&b.c)
	}
	for _, l := range layers {
		recordOrigins(b.origin, l.tree, "", l.source)
		if err := topLevelRule(b, l.tree, ""); err != nil {
			var e *Error
			if errors.As(err, &e) && e.Source == "" {
				e.Source = l.source
			}
			return nil, err
		}
	}
	if err := b.finish(opts); err != nil {
		return nil, err
	}
	return &b.c, nil
}

// recordOrigins notes, for every key path in tree, that source set it.
func recordOrigins(origin map[string]string, tree map[string]any, at, source string) {
	for k, v := range tree {
		origin[child(at, k)] = source
		if m, ok := v.(map[string]any); ok {
			recordOrigins(origin, m, child(at, k), source)
		}
	}
}

// readPath reads one -config-file or -config-dir path.
func readPath(path string) ([]layer, error) {
	info, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	if !info.IsDir() {
		l, err := readFile(path)
		if err != nil {
			return nil, err
		}
		return []layer{l}, nil
	}
	entries, err := os.ReadDir(path)
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	var layers []layer
	for _, e := range entries { // os.ReadDir sorts by name
		name := filepath.Join(path, e.Name())
		switch {
		case e.IsDir():
		case strings.HasSuffix(e.Name(), ".json"), strings.HasSuffix(e.Name(), ".hcl"):
			l, err := readFile(name)
			if err != nil {
				return nil, err
			}
			layers = append(layers, l)
		}
	}
	return layers, nil
}

// readFile reads and decodes one config file.
func readFile(path string) (layer, error) {
	if strings.HasSuffix(path, ".hcl") {
		return layer{}, &Error{Source: path, Msg: "HCL config files are not supported by cairn; write the same keys as JSON"}
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return layer{}, fmt.Errorf("config: %w", err)
	}
	return decodeLayer(path, data)
}

// decodeLayer decodes one JSON document, which must be a single object.
func decodeLayer(source string, data []byte) (layer, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return layer{}, &Error{Source: source, Msg: syntaxMessage(data, err)}
	}
	tree, ok := v.(map[string]any)
	if !ok {
		return layer{}, &Error{Source: source, Msg: "must be a JSON object, got " + describe(v)}
	}
	if _, err := dec.Token(); err != io.EOF {
		return layer{}, &Error{Source: source, Msg: "unexpected data after the top-level JSON object"}
	}
	return layer{source: source, tree: tree}, nil
}

// syntaxMessage explains a JSON decoding error with a line and column.
func syntaxMessage(data []byte, err error) string {
	if errors.Is(err, io.EOF) {
		return "empty file: must be a JSON object"
	}
	var se *json.SyntaxError
	if !errors.As(err, &se) {
		return "invalid JSON: " + err.Error()
	}
	pos := min(max(int(se.Offset)-1, 0), len(data)) // the offending byte
	before := data[:pos]
	line := bytes.Count(before, []byte("\n")) + 1
	col := pos - bytes.LastIndexByte(before, '\n')
	return fmt.Sprintf("invalid JSON at line %d, column %d: %s", line, col, se.Error())
}
