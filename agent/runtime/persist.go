package runtime

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"go.uber.org/zap"

	"github.com/cairn-sd/cairn/agent/core"
	"github.com/cairn-sd/cairn/catalog"
)

// Services and checks registered through the HTTP API survive a restart,
// as in Consul. Each is one JSON file in data_dir, named by a hash of its
// ID: services/<hash>.json and checks/<hash>.json, written when it is
// registered and removed when it is deregistered. A TTL check's last
// update is kept beside it in checks/state/<hash>.json with the time its
// TTL runs out. The config files' services and checks are never written:
// the config is read again at every start.
//
// At start, once the config's services and checks are in the local state,
// the agent reads the files back: services first, then checks. An entry
// whose ID the config already defines is skipped and its file removed (the
// config wins, as in Consul). A restored check starts critical, since
// nothing has run it yet, except a TTL check whose saved state has not
// expired, which gets its saved status back.
//
// Every file is replaced atomically (written to a temporary file, synced,
// renamed over the old one, and the directory synced), so a crash leaves
// the old version or the new one, never a mix. Files carry a version
// number. A file that does not decode is reported in the log and skipped
// whole. Files and directories are private to the agent's user (0600 and
// 0700): a file keeps the ACL token the registration carried, which is
// never logged.
//
// The files are written on the agent's loop, in the same call that changes
// the local state, so that the order of the files' changes is the order of
// the state's.

// persistVersion is the version of the three file formats.
const persistVersion = 1

// The directories of the persisted entries, inside data_dir.
const (
	persistServicesDir   = "services"
	persistChecksDir     = "checks"
	persistCheckStateDir = "checks/state"
)

// errPersistedFile is wrapped by every error decoding a persisted file.
var errPersistedFile = errors.New("invalid persisted file")

// persistedService is the content of services/<hash>.json.
type persistedService struct {
	Version int
	// Token is the ACL token the registration carried.
	Token   string `json:",omitempty"`
	Service catalog.Service
}

// persistedCheck is the content of checks/<hash>.json.
type persistedCheck struct {
	Version int
	// Token is the ACL token the registration carried.
	Token string `json:",omitempty"`
	Check core.LocalCheck
}

// persistedCheckState is the content of checks/state/<hash>.json: a TTL
// check's last update, worth restoring until Expires.
type persistedCheckState struct {
	Version int
	CheckID string
	Status  string
	Output  string
	Expires time.Time
}

// decodePersistedService decodes and checks a services/ file.
func decodePersistedService(b []byte) (persistedService, error) {
	var p persistedService
	if err := decodePersisted(b, &p, &p.Version); err != nil {
		return p, err
	}
	if p.Service.ID == "" || p.Service.Service == "" {
		return p, fmt.Errorf("%w: service without ID or name", errPersistedFile)
	}
	return p, nil
}

// decodePersistedCheck decodes and checks a checks/ file.
func decodePersistedCheck(b []byte) (persistedCheck, error) {
	var p persistedCheck
	if err := decodePersisted(b, &p, &p.Version); err != nil {
		return p, err
	}
	if p.Check.CheckID == "" {
		return p, fmt.Errorf("%w: check without ID", errPersistedFile)
	}
	if p.Check.TTL < 0 || p.Check.DeregisterCriticalServiceAfter < 0 {
		return p, fmt.Errorf("%w: check %q has a negative duration", errPersistedFile, p.Check.CheckID)
	}
	return p, validStatus(p.Check.Status)
}

// decodePersistedCheckState decodes and checks a checks/state/ file.
func decodePersistedCheckState(b []byte) (persistedCheckState, error) {
	var p persistedCheckState
	if err := decodePersisted(b, &p, &p.Version); err != nil {
		return p, err
	}
	if p.CheckID == "" {
		return p, fmt.Errorf("%w: check state without ID", errPersistedFile)
	}
	return p, validStatus(p.Status)
}

// decodePersisted decodes one JSON document into v, refusing unknown
// fields, trailing data and any version but persistVersion.
func decodePersisted(b []byte, v any, version *int) error {
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("%w: %v", errPersistedFile, err)
	}
	if dec.More() {
		return fmt.Errorf("%w: trailing data", errPersistedFile)
	}
	if *version != persistVersion {
		return fmt.Errorf("%w: unknown version %d", errPersistedFile, *version)
	}
	return nil
}

// validStatus accepts the three statuses of a check.
func validStatus(s string) error {
	switch s {
	case catalog.HealthPassing, catalog.HealthWarning, catalog.HealthCritical:
		return nil
	}
	return fmt.Errorf("%w: check status %q", errPersistedFile, s)
}

// persistName is the file name of the entry with this ID: a hash, so that
// any ID makes a safe, fixed-length name.
func persistName(id string) string {
	sum := sha256.Sum256([]byte(id))
	return hex.EncodeToString(sum[:]) + ".json"
}

// persistPath is the path of the entry id in the directory dir.
func (a *Agent) persistPath(dir, id string) string {
	return filepath.Join(a.dataDir, dir, persistName(id))
}

// writePersisted encodes v and replaces the entry's file atomically.
func (a *Agent) writePersisted(dir, id string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("persist %s %q: encode: %w", dir, id, err)
	}
	if err := writeFileAtomic(a.persistPath(dir, id), b); err != nil {
		return fmt.Errorf("persist %s %q: %w", dir, id, err)
	}
	return nil
}

// removePersisted removes the entry's file, if any, durably.
func (a *Agent) removePersisted(dir, id string) error {
	path := a.persistPath(dir, id)
	err := os.Remove(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err == nil {
		err = syncDir(filepath.Dir(path))
	}
	if err != nil {
		return fmt.Errorf("unpersist %s %q: %w", dir, id, err)
	}
	return nil
}

// writeFileAtomic replaces path with b: a temporary file in the same
// directory is written and synced with mode 0600, renamed over path, and
// the directory synced, so that either the old or the new content
// survives a crash.
func writeFileAtomic(path string, b []byte) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	f, err := os.CreateTemp(dir, filepath.Base(path)+".tmp*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	_, err = f.Write(b)
	if err == nil {
		err = f.Chmod(0o600)
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
		return err
	}
	return syncDir(dir)
}

// syncDir makes the directory's entries durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}

// persistService writes a service registered through the API and its
// checks as the local state holds them, after removing the files of the
// checks the registration replaced. It runs on the loop.
func (a *Agent) persistService(l *core.Local, svc catalog.Service, replaced []string, token string) error {
	for _, id := range replaced {
		if err := a.unpersistCheck(id); err != nil {
			return err
		}
	}
	if err := a.writePersisted(persistServicesDir, svc.ID, persistedService{Version: persistVersion, Token: token, Service: svc}); err != nil {
		return err
	}
	for _, id := range serviceCheckIDs(l, svc.ID) {
		if err := a.persistCheck(l, id, token); err != nil {
			return err
		}
	}
	return nil
}

// unpersistService removes the files of a deregistered service and of its
// checks.
func (a *Agent) unpersistService(id string, checkIDs []string) error {
	for _, c := range checkIDs {
		if err := a.unpersistCheck(c); err != nil {
			return err
		}
	}
	return a.removePersisted(persistServicesDir, id)
}

// persistCheck writes a check registered through the API and forgets the
// saved state of an earlier check with its ID.
func (a *Agent) persistCheck(l *core.Local, id, token string) error {
	c, ok := l.Check(id)
	if !ok {
		return fmt.Errorf("persist check %q: %w", id, core.ErrUnknownCheck)
	}
	if err := a.removePersisted(persistCheckStateDir, id); err != nil {
		return err
	}
	return a.writePersisted(persistChecksDir, id, persistedCheck{Version: persistVersion, Token: token, Check: c})
}

// unpersistCheck removes a deregistered check's files.
func (a *Agent) unpersistCheck(id string) error {
	if err := a.removePersisted(persistCheckStateDir, id); err != nil {
		return err
	}
	return a.removePersisted(persistChecksDir, id)
}

// persistCheckState saves a TTL check's update, worth restoring until its
// TTL runs out.
func (a *Agent) persistCheckState(l *core.Local, id string) error {
	c, ok := l.Check(id)
	if !ok {
		return fmt.Errorf("persist check state %q: %w", id, core.ErrUnknownCheck)
	}
	return a.writePersisted(persistCheckStateDir, id, persistedCheckState{Version: persistVersion,
		CheckID: id, Status: c.Status, Output: c.Output, Expires: a.env.Now().Add(c.TTL)})
}

// serviceCheckIDs lists the IDs of a local service's checks.
func serviceCheckIDs(l *core.Local, serviceID string) []string {
	var ids []string
	for _, c := range l.Checks() {
		if c.ServiceID == serviceID {
			ids = append(ids, c.CheckID)
		}
	}
	return ids
}

// persistedEntry is one decoded file of a persisted directory.
type persistedEntry[T any] struct {
	path  string
	value T
}

// readPersistedDir reads and decodes the files of one persisted directory,
// in name order. A file that does not decode, or whose name is not its
// ID's, is logged and skipped; leftovers of an interrupted write are
// removed. A missing directory holds nothing.
func readPersistedDir[T any](a *Agent, dir string, decode func([]byte) (T, error), idOf func(T) string) []persistedEntry[T] {
	full := filepath.Join(a.dataDir, dir)
	files, err := os.ReadDir(full)
	if err != nil {
		if !errors.Is(err, os.ErrNotExist) {
			a.logger.Error("cannot read the persisted services and checks", zap.String("dir", full), zap.Error(err))
		}
		return nil
	}
	var out []persistedEntry[T]
	for _, f := range files {
		path := filepath.Join(full, f.Name())
		switch {
		case !f.Type().IsRegular():
			continue
		case strings.Contains(f.Name(), ".tmp"):
			os.Remove(path)
			continue
		case !strings.HasSuffix(f.Name(), ".json"):
			continue
		}
		b, err := os.ReadFile(path)
		var v T
		if err == nil {
			v, err = decode(b)
		}
		if err == nil && persistName(idOf(v)) != f.Name() {
			err = fmt.Errorf("%w: the file's name is not its ID's", errPersistedFile)
		}
		if err != nil {
			a.logger.Error("skipping a persisted file that cannot be restored", zap.String("file", path), zap.Error(err))
			continue
		}
		out = append(out, persistedEntry[T]{path: path, value: v})
	}
	return out
}

// restoreLocal puts back, after the config's, the services and checks
// registered through the API before the agent last stopped, and the last
// state of its TTL checks, then starts the restored checks' runners.
func (a *Agent) restoreLocal() {
	services := readPersistedDir(a, persistServicesDir, decodePersistedService, func(p persistedService) string { return p.Service.ID })
	checks := readPersistedDir(a, persistChecksDir, decodePersistedCheck, func(p persistedCheck) string { return p.Check.CheckID })
	states := readPersistedDir(a, persistCheckStateDir, decodePersistedCheckState, func(p persistedCheckState) string { return p.CheckID })
	var started []core.LocalCheck
	restored := 0
	err := a.onLocal(func(l *core.Local) error {
		for _, e := range services {
			if a.restoreService(l, e.path, e.value.Service) {
				restored++
			}
		}
		for _, e := range checks {
			if c, ok := a.restoreCheck(l, e.path, e.value.Check); ok {
				started = append(started, c)
			}
		}
		for _, e := range states {
			a.restoreCheckState(l, e.path, e.value)
		}
		return nil
	})
	if err != nil {
		a.logger.Error("restoring the persisted services and checks failed", zap.Error(err))
		return
	}
	a.startRunners(started)
	if restored+len(started) > 0 {
		a.logger.Info("restored services and checks registered through the API", zap.Int("services", restored), zap.Int("checks", len(started)))
	}
}

// restoreService puts back one persisted service, unless the config
// defines its ID, in which case the file goes, and reports whether it did.
func (a *Agent) restoreService(l *core.Local, path string, svc catalog.Service) bool {
	for _, s := range l.Services() {
		if s.ID == svc.ID {
			a.logger.Info("the config defines a persisted service; not restoring it", zap.String("service", svc.ID))
			a.dropPersistedFile(path)
			return false
		}
	}
	if err := l.AddService(svc, nil); err != nil {
		a.logger.Error("skipping a persisted service that cannot be restored", zap.String("file", path), zap.Error(err))
		return false
	}
	return true
}

// restoreCheck puts back one persisted check, critical until it runs or
// its saved state says otherwise, and reports whether it did.
func (a *Agent) restoreCheck(l *core.Local, path string, c core.LocalCheck) (core.LocalCheck, bool) {
	if _, ok := l.Check(c.CheckID); ok {
		a.logger.Info("the config defines a persisted check; not restoring it", zap.String("check", c.CheckID))
		a.dropPersistedFile(path)
		return c, false
	}
	if len(c.ScriptArgs) > 0 && !a.cfg.EnableScriptChecks {
		a.logger.Error("skipping a persisted script check: script checks are disabled", zap.String("check", c.CheckID))
		return c, false
	}
	c.Status, c.Output = catalog.HealthCritical, ""
	if err := l.AddCheck(c); err != nil {
		a.logger.Error("skipping a persisted check that cannot be restored", zap.String("file", path), zap.Error(err))
		return c, false
	}
	return c, true
}

// restoreCheckState gives a TTL check its last saved update back, unless
// its TTL ran out meanwhile; a state nobody can use is removed.
func (a *Agent) restoreCheckState(l *core.Local, path string, st persistedCheckState) {
	c, ok := l.Check(st.CheckID)
	if !ok || c.TTL <= 0 || !a.env.Now().Before(st.Expires) {
		a.dropPersistedFile(path)
		return
	}
	if err := l.UpdateCheck(st.CheckID, st.Status, st.Output, true); err != nil {
		a.logger.Error("skipping a persisted check state", zap.String("file", path), zap.Error(err))
	}
}

// dropPersistedFile removes a persisted file that is no longer wanted.
func (a *Agent) dropPersistedFile(path string) {
	if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		a.logger.Warn("cannot remove a persisted file", zap.String("file", path), zap.Error(err))
	}
}
