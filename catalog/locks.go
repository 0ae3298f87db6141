package catalog

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"time"
)

// Timestamp is a moment in nanoseconds since the Unix epoch. The catalog
// never reads a clock: a command whose outcome depends on the time carries
// it in a Now field, set by the server that proposes the command, so every
// server applies it at the same Timestamp. A zero Now (a proposer that did
// not set it) is the epoch, which sets no lock-delay that a later command
// with a real Now would notice.
type Timestamp int64

// TimestampOf returns t as a Timestamp.
func TimestampOf(t time.Time) Timestamp { return Timestamp(t.UnixNano()) }

// Time returns ts as a time.Time in UTC.
func (ts Timestamp) Time() time.Time { return time.Unix(0, int64(ts)).UTC() }

// add returns ts + d, saturating instead of wrapping around.
func (ts Timestamp) add(d time.Duration) Timestamp {
	if d > 0 && int64(ts) > math.MaxInt64-int64(d) {
		return math.MaxInt64
	}
	return ts + Timestamp(d)
}

// KVLockRequest acquires Key for Session, as PUT /v1/kv/<key>?acquire=
// does, and writes Value and Flags with it. It succeeds (Result.OK) if the
// key is unheld or already held by Session, and no lock-delay is in force
// on the key at Now; it fails (OK false) otherwise. An unknown session is
// an error (ErrSessionNotFound).
type KVLockRequest struct {
	Key     string
	Value   []byte
	Flags   uint64
	Session string
	Now     Timestamp `json:",omitempty"`
}

// KVUnlockRequest releases Key, as PUT /v1/kv/<key>?release= does, and
// writes Value and Flags with it. It succeeds (Result.OK) only if Session
// holds the key.
type KVUnlockRequest struct {
	Key     string
	Value   []byte
	Flags   uint64
	Session string
}

func (*KVLockRequest) opCode() opCode   { return opKVLock }
func (*KVUnlockRequest) opCode() opCode { return opKVUnlock }

func (r *KVLockRequest) timestamp() Timestamp { return r.Now }

// applyKVLock runs a lock through a one-operation view.
func (s *State) applyKVLock(idx uint64, r *KVLockRequest) Result {
	v := s.newKVView(idx)
	_, err := v.lock(r.Key, r.Value, r.Flags, r.Session)
	if err != nil {
		return lockResult(err)
	}
	v.commit()
	return okResult
}

// applyKVUnlock runs an unlock through a one-operation view.
func (s *State) applyKVUnlock(idx uint64, r *KVUnlockRequest) Result {
	v := s.newKVView(idx)
	if _, err := v.unlock(r.Key, r.Value, r.Flags, r.Session); err != nil {
		return lockResult(err)
	}
	v.commit()
	return okResult
}

// lockResult is the Result of a refused lock or unlock: false for a lock
// that is held or delayed (a normal answer, as Consul's "false"), an error
// for a request that names no session or an unknown one.
func lockResult(err error) Result {
	var lost *lockLostError
	if errors.As(err, &lost) {
		return Result{}
	}
	return errResult(err)
}

// lockLostError says why a lock or unlock was answered false. Its text is
// what a transaction reports for the operation.
type lockLostError struct{ what string }

func (e *lockLostError) Error() string { return e.what }

// lock acquires key for session in v; see KVLockRequest. LockIndex counts
// acquisitions: it moves only when the holder changes from none to
// session, so a holder renewing its lock does not move it.
func (v *kvView) lock(key string, value []byte, flags uint64, session string) (*KVPair, error) {
	if session == "" {
		return nil, ErrMissingSession
	}
	if _, ok := v.s.db.sessions.get(session); !ok {
		return nil, fmt.Errorf("%w: %q", ErrSessionNotFound, session)
	}
	old, ok := v.get(key)
	if ok && old.Session != "" && old.Session != session {
		return nil, &lockLostError{fmt.Sprintf("failed to lock key %q, lock is already held", key)}
	}
	if until, delayed := v.s.db.lockDelays.get(key); delayed && v.s.now < until {
		return nil, &lockLostError{fmt.Sprintf("failed to lock key %q, lock-delay in force until %s",
			key, until.Time().Format(time.RFC3339Nano))}
	}
	row := setRow(v.idx, key, old, ok, value, flags)
	if row.Session != session {
		row.Session = session
		row.LockIndex++
	}
	v.put(row)
	return row, nil
}

// unlock releases key held by session in v; see KVUnlockRequest. LockIndex
// stays: it counts acquisitions.
func (v *kvView) unlock(key string, value []byte, flags uint64, session string) (*KVPair, error) {
	if session == "" {
		return nil, ErrMissingSession
	}
	old, ok := v.get(key)
	if !ok || old.Session != session {
		return nil, &lockLostError{fmt.Sprintf("failed to unlock key %q, lock isn't held, or is held by another session", key)}
	}
	row := setRow(v.idx, key, old, ok, value, flags)
	row.Session = ""
	v.put(row)
	return row, nil
}

// setLockDelay refuses acquisitions of key until until (or a later end
// already set) by any session.
func (s *State) setLockDelay(key string, until Timestamp) {
	if old, ok := s.db.lockDelays.get(key); ok && old >= until {
		return
	}
	s.db.lockDelays.put(key, until)
}

// pruneLockDelays forgets the lock-delays that ended at or before now, so
// the table holds only delays that may still refuse an acquisition.
func (s *State) pruneLockDelays(now Timestamp) {
	for _, key := range slices.Collect(s.db.lockDelays.all()) {
		if s.db.lockDelays.at(key) <= now {
			s.db.lockDelays.delete(key)
		}
	}
}
