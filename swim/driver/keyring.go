package driver

import (
	"errors"
	"fmt"
	"path"

	"github.com/cairn-sd/cairn/netsim"
	"github.com/cairn-sd/cairn/swim"
	"go.uber.org/zap"
)

// ErrNoKeyring is returned by keyring operations on a node without
// encryption; it is swim's error, so that either name matches it.
var ErrNoKeyring = swim.ErrNoKeyring

// loadKeyring reads the keyring file if it exists (it wins over EncryptKey,
// since it holds the keys as last rotated), else builds one from EncryptKey
// and persists it.
func (n *Node) loadKeyring() error {
	if n.cfg.KeyringFile != "" {
		b, err := n.env.Disk().ReadFile(n.cfg.KeyringFile)
		switch {
		case err == nil:
			kr, err := swim.UnmarshalKeyring(b)
			if err != nil {
				return fmt.Errorf("swim/driver: read keyring %s: %w", n.cfg.KeyringFile, err)
			}
			n.keyring = kr
			if n.cfg.EncryptKey != "" {
				n.log.Info("swim/driver: keyring file exists, ignoring the encrypt setting")
			}
			return nil
		case !errors.Is(err, netsim.ErrNotExist):
			return fmt.Errorf("swim/driver: read keyring %s: %w", n.cfg.KeyringFile, err)
		}
	}
	if n.cfg.EncryptKey == "" {
		return nil
	}
	k, err := swim.ParseKey(n.cfg.EncryptKey)
	if err != nil {
		return fmt.Errorf("swim/driver: encrypt setting: %w", err)
	}
	if n.keyring, err = swim.NewKeyring(k); err != nil {
		return fmt.Errorf("swim/driver: encrypt setting: %w", err)
	}
	return n.saveKeyring()
}

// saveKeyring writes the keyring atomically: a temporary file, synced, then
// renamed over the old one and the directory synced.
func (n *Node) saveKeyring() error {
	if n.cfg.KeyringFile == "" {
		return nil
	}
	b, err := n.keyring.MarshalBinary()
	if err != nil {
		return fmt.Errorf("swim/driver: encode keyring: %w", err)
	}
	name := n.cfg.KeyringFile
	dir := path.Dir(name)
	disk := n.env.Disk()
	if err := disk.MkdirAll(dir); err != nil {
		return fmt.Errorf("swim/driver: keyring dir %s: %w", dir, err)
	}
	tmp := name + ".tmp"
	f, err := disk.Create(tmp)
	if err != nil {
		return fmt.Errorf("swim/driver: create %s: %w", tmp, err)
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		return fmt.Errorf("swim/driver: write %s: %w", tmp, err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("swim/driver: sync %s: %w", tmp, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("swim/driver: close %s: %w", tmp, err)
	}
	if err := disk.Rename(tmp, name); err != nil {
		return fmt.Errorf("swim/driver: rename %s: %w", tmp, err)
	}
	if err := disk.SyncDir(dir); err != nil {
		return fmt.Errorf("swim/driver: sync dir %s: %w", dir, err)
	}
	return nil
}

// InstallKey adds a base64 key for decryption and persists the keyring.
func (n *Node) InstallKey(b64 string) error {
	return n.changeKeyring(b64, (*swim.Keyring).Install)
}

// UseKey makes an installed base64 key the primary and persists.
func (n *Node) UseKey(b64 string) error {
	return n.changeKeyring(b64, (*swim.Keyring).Use)
}

// RemoveKey removes a non-primary base64 key and persists.
func (n *Node) RemoveKey(b64 string) error {
	return n.changeKeyring(b64, (*swim.Keyring).Remove)
}

// ListKeys returns the installed keys in base64, primary first.
func (n *Node) ListKeys() ([]string, error) {
	if n.keyring == nil {
		return nil, ErrNoKeyring
	}
	var out []string
	for _, k := range n.keyring.List() {
		out = append(out, swim.EncodeKey(k))
	}
	return out, nil
}

func (n *Node) changeKeyring(b64 string, op func(*swim.Keyring, []byte) error) error {
	if n.keyring == nil {
		return ErrNoKeyring
	}
	k, err := swim.ParseKey(b64)
	if err != nil {
		return err
	}
	if err := op(n.keyring, k); err != nil {
		return err
	}
	if err := n.saveKeyring(); err != nil {
		n.log.Error("swim/driver: persist keyring", zap.Error(err))
		return err
	}
	return nil
}
