package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"path"
	"strconv"
)

// errSemaphoreConflict means the prefix's .lock key exists but was not
// written by a semaphore.
var errSemaphoreConflict = errors.New("existing key does not match semaphore use")

// semaphoreDoc is the document in PREFIX/.lock that names the holders,
// in Consul's layout: {"Limit":2,"Holders":{"<session>":true}}. It is
// only ever replaced with a check-and-set on the index it was read at,
// so two contenders can never both add themselves past the limit.
type semaphoreDoc struct {
	Limit   int
	Holders map[string]bool
}

// semaphore is Consul's semaphore: up to limit sessions hold it at once.
// Each contender first acquires its own key PREFIX/<session>, which the
// agent unlocks when the session dies; a holder whose contender key no
// longer names a live session is pruned by the next contender, so a dead
// holder's slot is reclaimed without its cooperation.
type semaphore struct {
	c       *apiClient
	prefix  string
	lockKey string
	session string
	limit   int
	retries int
}

// newSemaphore returns the semaphore at prefix with limit slots.
func newSemaphore(c *apiClient, prefix, session string, limit, retries int) *semaphore {
	return &semaphore{c: c, prefix: prefix, lockKey: path.Join(prefix, ".lock"),
		session: session, limit: limit, retries: retries}
}

// flagsQuery is the query that stamps the semaphore's flag value.
func flagsQuery() url.Values {
	return url.Values{"flags": {strconv.FormatUint(semaphoreFlagValue, 10)}}
}

// acquire makes our contender key, then adds us to the holders once the
// pruned document has a free slot. It returns false when ctx ends first
// or, with tryOnce, when every slot is taken; the contender key is then
// deleted again.
func (s *semaphore) acquire(ctx context.Context, tryOnce bool) (held bool, err error) {
	q := flagsQuery()
	q.Set("acquire", s.session)
	made, err := kvWrite(ctx, s.c, http.MethodPut, s.contenderKey(), q, nil)
	if ctx.Err() != nil {
		return false, nil
	}
	if err != nil || !made {
		return false, fmt.Errorf("failed to make contender entry: %v", err)
	}
	defer func() {
		if !held {
			cctx, cancel := context.WithTimeout(context.Background(), lockCleanupTimeout)
			defer cancel()
			kvWrite(cctx, s.c, http.MethodDelete, s.contenderKey(), nil, nil)
		}
	}()
	var index uint64
	for {
		pairs, next, err := kvListPairs(ctx, s.c, s.prefix+"/", index)
		if ctx.Err() != nil {
			return false, nil
		}
		if err != nil {
			return false, err
		}
		doc, modifyIndex, err := s.read(pairs)
		if err != nil {
			return false, err
		}
		if doc.Holders[s.session] {
			return true, nil
		}
		if len(doc.Holders) >= doc.Limit {
			if tryOnce {
				return false, nil
			}
			index = nextIndex(index, next)
			continue
		}
		doc.Holders[s.session] = true
		ok, err := s.write(ctx, doc, modifyIndex)
		switch {
		case ctx.Err() != nil:
			return false, nil
		case err != nil:
			return false, err
		case ok:
			return true, nil
		}
		index = 0
	}
}

// read finds and decodes the holder document among pairs (a fresh one
// when it does not exist yet), checks that its limit agrees with ours,
// and prunes holders whose session no longer holds any key under the
// prefix. It returns the document's ModifyIndex for the CAS (0: absent).
func (s *semaphore) read(pairs []kvPair) (*semaphoreDoc, uint64, error) {
	doc := &semaphoreDoc{Limit: s.limit, Holders: map[string]bool{}}
	var modifyIndex uint64
	live := map[string]bool{}
	for _, p := range pairs {
		if p.Session != "" {
			live[p.Session] = true
		}
		if p.Key != s.lockKey {
			continue
		}
		if p.Flags != semaphoreFlagValue {
			return nil, 0, errSemaphoreConflict
		}
		modifyIndex = p.ModifyIndex
		if len(p.Value) > 0 {
			if err := json.Unmarshal(p.Value, doc); err != nil {
				return nil, 0, fmt.Errorf("decode semaphore %s: %w", s.lockKey, err)
			}
		}
	}
	if doc.Limit != s.limit {
		return nil, 0, fmt.Errorf("semaphore limit conflict (lock: %d, local: %d)", doc.Limit, s.limit)
	}
	if doc.Holders == nil {
		doc.Holders = map[string]bool{}
	}
	for h := range doc.Holders {
		if !live[h] {
			delete(doc.Holders, h)
		}
	}
	return doc, modifyIndex, nil
}

// write replaces the holder document if it is still at modifyIndex.
func (s *semaphore) write(ctx context.Context, doc *semaphoreDoc, modifyIndex uint64) (bool, error) {
	value, err := json.Marshal(doc)
	if err != nil {
		return false, fmt.Errorf("encode semaphore: %w", err)
	}
	q := flagsQuery()
	q.Set("cas", strconv.FormatUint(modifyIndex, 10))
	return kvWrite(ctx, s.c, http.MethodPut, s.lockKey, q, value)
}

// monitor blocks until the pruned document no longer lists our session
// (errLockLost) or ctx ends (nil), retrying failed reads as the mutex's
// monitor does.
func (s *semaphore) monitor(ctx context.Context) error {
	return monitorLoop(ctx, s.retries, func(index uint64) (bool, uint64, error) {
		pairs, next, err := kvListPairs(ctx, s.c, s.prefix+"/", index)
		if err != nil {
			return false, next, err
		}
		doc, _, err := s.read(pairs)
		if err != nil {
			return false, next, err
		}
		return doc.Holders[s.session], next, nil
	})
}

// release removes our session from the holders, retrying the CAS until
// it lands or we are no longer listed, then deletes our contender key.
func (s *semaphore) release(ctx context.Context) error {
	for {
		pairs, _, err := kvListPairs(ctx, s.c, s.prefix+"/", 0)
		if err != nil {
			return err
		}
		doc, modifyIndex, err := s.read(pairs)
		if err != nil {
			return err
		}
		if !doc.Holders[s.session] {
			break
		}
		delete(doc.Holders, s.session)
		ok, err := s.write(ctx, doc, modifyIndex)
		if err != nil {
			return err
		}
		if ok {
			break
		}
	}
	_, err := kvWrite(ctx, s.c, http.MethodDelete, s.contenderKey(), nil, nil)
	return err
}

// contenderKey is our own key under the prefix, PREFIX/<session>.
func (s *semaphore) contenderKey() string {
	return path.Join(s.prefix, s.session)
}

// cleanup deletes the holder document if no live holder remains, with a
// CAS so that a contender that just joined keeps it.
func (s *semaphore) cleanup(ctx context.Context) error {
	pairs, _, err := kvListPairs(ctx, s.c, s.prefix+"/", 0)
	if err != nil {
		return err
	}
	doc, modifyIndex, err := s.read(pairs)
	if err != nil || modifyIndex == 0 || len(doc.Holders) > 0 {
		return err
	}
	_, err = kvWrite(ctx, s.c, http.MethodDelete, s.lockKey,
		url.Values{"cas": {strconv.FormatUint(modifyIndex, 10)}}, nil)
	return err
}
