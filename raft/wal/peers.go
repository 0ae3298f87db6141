package wal

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"path"
	"slices"
	"strings"

	"github.com/cairn-sd/cairn/netsim"
	"github.com/cairn-sd/cairn/raft"
)

// PeersFileName is the operator-written recovery file, in the raft
// directory, as in Consul's outage recovery: when a quorum of servers is
// lost for good, the operator writes the surviving servers into it on each
// of them and restarts them; the driver then forces the configuration.
const PeersFileName = "peers.json"

// ErrBadPeers reports a peers.json that cannot be used.
var ErrBadPeers = errors.New("wal: bad peers.json")

// peerJSON is one element of peers.json, in Consul's format (version 3):
//
//	[{"id": "adf4238a-...", "address": "10.1.0.1:8300", "non_voter": false}]
type peerJSON struct {
	ID       string `json:"id"`
	Address  string `json:"address"`
	NonVoter bool   `json:"non_voter"`
}

// ReadPeers reads dir/peers.json into a configuration sorted by ID. A
// missing file is reported as netsim.ErrNotExist (wrapped); any problem with
// its content wraps ErrBadPeers and says what is wrong.
func ReadPeers(disk netsim.Disk, dir string) (raft.Configuration, error) {
	name := path.Join(dir, PeersFileName)
	b, err := disk.ReadFile(name)
	if err != nil {
		return raft.Configuration{}, fmt.Errorf("wal: read %s: %w", name, err)
	}
	cfg, err := ParsePeers(b)
	if err != nil {
		return raft.Configuration{}, fmt.Errorf("%s: %w", name, err)
	}
	return cfg, nil
}

// ParsePeers decodes the content of a peers.json file.
func ParsePeers(b []byte) (raft.Configuration, error) {
	trimmed := bytes.TrimSpace(b)
	if len(trimmed) == 0 {
		return raft.Configuration{}, fmt.Errorf("%w: the file is empty", ErrBadPeers)
	}
	dec := json.NewDecoder(bytes.NewReader(trimmed))
	dec.DisallowUnknownFields()
	var peers []peerJSON
	if err := dec.Decode(&peers); err != nil {
		var typeErr *json.UnmarshalTypeError
		if errors.As(err, &typeErr) && strings.HasPrefix(string(trimmed), "[\"") {
			return raft.Configuration{}, fmt.Errorf("%w: a list of addresses is the old format; write objects with \"id\", \"address\" and \"non_voter\"", ErrBadPeers)
		}
		return raft.Configuration{}, fmt.Errorf("%w: %v", ErrBadPeers, err)
	}
	if dec.More() {
		return raft.Configuration{}, fmt.Errorf("%w: unexpected data after the list", ErrBadPeers)
	}
	if len(peers) == 0 {
		return raft.Configuration{}, fmt.Errorf("%w: the list of servers is empty", ErrBadPeers)
	}
	var cfg raft.Configuration
	seen := make(map[string]bool, len(peers))
	voters := 0
	for i, p := range peers {
		switch {
		case p.ID == "":
			return raft.Configuration{}, fmt.Errorf("%w: server %d has no \"id\"", ErrBadPeers, i)
		case p.Address == "":
			return raft.Configuration{}, fmt.Errorf("%w: server %q has no \"address\"", ErrBadPeers, p.ID)
		case seen[p.ID]:
			return raft.Configuration{}, fmt.Errorf("%w: server %q is listed twice", ErrBadPeers, p.ID)
		}
		seen[p.ID] = true
		s := raft.Server{ID: raft.ServerID(p.ID), Address: p.Address, Suffrage: raft.Voter}
		if p.NonVoter {
			s.Suffrage = raft.Learner
		} else {
			voters++
		}
		cfg.Servers = append(cfg.Servers, s)
	}
	if voters == 0 {
		return raft.Configuration{}, fmt.Errorf("%w: no server is a voter", ErrBadPeers)
	}
	slices.SortFunc(cfg.Servers, func(a, b raft.Server) int { return strings.Compare(string(a.ID), string(b.ID)) })
	return cfg, nil
}

// RemovePeers deletes dir/peers.json durably. The driver calls it once the
// recovered configuration is safely in the log, as Consul does, so that a
// later restart does not apply the same recovery again.
func RemovePeers(disk netsim.Disk, dir string) error {
	name := path.Join(dir, PeersFileName)
	if err := disk.Remove(name); err != nil {
		return fmt.Errorf("wal: remove %s: %w", name, err)
	}
	if err := disk.SyncDir(dir); err != nil {
		return fmt.Errorf("wal: sync dir %s: %w", dir, err)
	}
	return nil
}
