package main

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"path"
	"strconv"
	"time"
)

// Flag values Consul's clients stamp on the keys of a lock and of a
// semaphore, so that a lock is never taken with semaphore keys or the
// other way round. cairn uses the same values so that its lock command
// and Consul's api.Lock and api.Semaphore share a prefix safely.
const (
	lockFlagValue      uint64 = 0x2ddccbc058a50c18
	semaphoreFlagValue uint64 = 0xe0f69a2baa414de0
)

// lockRetryWait is how long an acquisition waits after the agent refused
// a lock that nobody holds: a lock-delay is in force (the last holder's
// session was invalidated) and no index change will announce its end.
var lockRetryWait = 5 * time.Second

// monitorRetryWait is the pause before the lock monitor retries a read
// that failed with a server error (-monitor-retry times at most).
var monitorRetryWait = time.Second

// errLockConflict means the key exists but was not written by a lock.
var errLockConflict = errors.New("existing key does not match lock use")

// errLockLost means the lock's key no longer names our session.
var errLockLost = errors.New("lock lost")

// mutex is Consul's leader-election lock: one key, PREFIX/.lock, held by
// the session that acquired it.
type mutex struct {
	c       *apiClient
	key     string
	session string
	retries int
}

// newMutex returns the lock at prefix for session.
func newMutex(c *apiClient, prefix, session string, retries int) *mutex {
	return &mutex{c: c, key: path.Join(prefix, ".lock"), session: session, retries: retries}
}

// acquire takes the lock, waiting on the key's index while another
// session holds it. It returns false when ctx ends first or, with
// tryOnce, when someone else holds the lock.
func (m *mutex) acquire(ctx context.Context, tryOnce bool) (bool, error) {
	q := url.Values{"acquire": {m.session}, "flags": {strconv.FormatUint(lockFlagValue, 10)}}
	var index uint64
	for {
		pair, next, err := kvGetPair(ctx, m.c, m.key, index)
		switch {
		case ctx.Err() != nil:
			return false, nil
		case err != nil:
			return false, err
		case pair != nil && pair.Flags != lockFlagValue:
			return false, errLockConflict
		case pair != nil && pair.Session == m.session:
			return true, nil
		case pair != nil && pair.Session != "":
			if tryOnce {
				return false, nil
			}
			index = nextIndex(index, next)
			continue
		}
		ok, err := kvWrite(ctx, m.c, http.MethodPut, m.key, q, nil)
		switch {
		case ctx.Err() != nil:
			return false, nil
		case err != nil:
			return false, err
		case ok:
			return true, nil
		case tryOnce:
			return false, nil
		}
		// Refused though free when read: either someone took it in
		// between (the next read blocks until they let go) or a
		// lock-delay holds it, which only waiting ends.
		index = 0
		if pair, _, err = kvGetPair(ctx, m.c, m.key, 0); err == nil && pair != nil && pair.Session != "" {
			continue
		}
		if !sleepCtx(ctx, lockRetryWait) {
			return false, nil
		}
	}
}

// monitor blocks until the key no longer names our session (nil when
// ctx ends first). A read that fails with a server error or a broken
// connection is retried up to m.retries times in a row; after that the
// lock counts as lost, since its holder can no longer know it holds it.
func (m *mutex) monitor(ctx context.Context) error {
	return monitorLoop(ctx, m.retries, func(index uint64) (bool, uint64, error) {
		pair, next, err := kvGetPair(ctx, m.c, m.key, index)
		return err == nil && pair != nil && pair.Session == m.session, next, err
	})
}

// release gives the lock back, keeping the key.
func (m *mutex) release(ctx context.Context) error {
	_, err := kvWrite(ctx, m.c, http.MethodPut, m.key,
		url.Values{"release": {m.session}, "flags": {strconv.FormatUint(lockFlagValue, 10)}}, nil)
	return err
}

// cleanup deletes the lock's key if nobody holds it, with a CAS on the
// index read so that a new holder's key survives.
func (m *mutex) cleanup(ctx context.Context) error {
	pair, _, err := kvGetPair(ctx, m.c, m.key, 0)
	if err != nil || pair == nil || pair.Session != "" || pair.Flags != lockFlagValue {
		return err
	}
	_, err = kvWrite(ctx, m.c, http.MethodDelete, m.key,
		url.Values{"cas": {strconv.FormatUint(pair.ModifyIndex, 10)}}, nil)
	return err
}

// monitorLoop runs blocking reads until read reports that the lock is no
// longer held (errLockLost) or ctx ends (nil). A failed read is retried
// up to retries times after monitorRetryWait, with a non-blocking read;
// a read that works restores the full count.
func monitorLoop(ctx context.Context, retries int, read func(index uint64) (held bool, next uint64, err error)) error {
	left := retries
	var index uint64
	for {
		held, next, err := read(index)
		switch {
		case ctx.Err() != nil:
			return nil
		case err != nil && left > 0 && retryable(err):
			left--
			index = 0
			if !sleepCtx(ctx, monitorRetryWait) {
				return nil
			}
			continue
		case err != nil:
			return err
		case !held:
			return errLockLost
		}
		if index == 0 {
			left = retries
		}
		index = nextIndex(index, next)
	}
}

// retryable reports whether a failed read may work if tried again: the
// agent could not be reached, or a server failed (an election, a lost
// leader), as opposed to a refusal such as 403.
func retryable(err error) bool {
	var ce *connError
	var se *statusError
	return errors.As(err, &ce) || (errors.As(err, &se) && se.code >= 500)
}

// sleepCtx waits d or until ctx ends, reporting whether d passed.
func sleepCtx(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}
