package core

import (
	"errors"
	"time"

	"github.com/cairn-sd/cairn/acl"
)

// downCache keeps what was fetched for a secret (an authorizer on a client
// agent, a token resolved in the primary on a server of a secondary) for
// a TTL, and decides with acl.DecideCache what a stale or missing entry is
// worth when the fetch fails. Fetches for one secret are shared: while one
// is in flight, later callers wait for its answer. It runs on the Env's
// loop.
type downCache[V any] struct {
	now     func() time.Time
	fetch   func(secret string, done func(V, error))
	down    acl.DownPolicy
	cache   *acl.Cache[V]
	waiting map[string][]func(V, error)
	// unreachable answers a failed fetch that no cached value may stand
	// in for; allow is set under down_policy allow.
	unreachable func(allow bool, err error) (V, error)
}

// newDownCache returns an empty cache of maxEntries, fresh for ttl.
func newDownCache[V any](now func() time.Time, fetch func(string, func(V, error)), down acl.DownPolicy,
	ttl time.Duration, maxEntries int, unreachable func(bool, error) (V, error)) *downCache[V] {
	return &downCache[V]{now: now, fetch: fetch, down: down, cache: acl.NewCache[V](ttl, maxEntries),
		waiting: map[string][]func(V, error){}, unreachable: unreachable}
}

// get answers from a fresh entry, from a stale one while refreshing it in
// the background (async-cache), or after a fetch.
func (c *downCache[V]) get(secret string, done func(V, error)) {
	entry, _ := c.cache.Get(secret)
	switch c.cache.Decide(secret, c.now(), true, c.down) {
	case acl.UseCache:
		done(entry.Value, nil)
	case acl.UseCacheAndRefresh:
		done(entry.Value, nil)
		c.refresh(secret, func(V, error) {})
	default:
		c.refresh(secret, done)
	}
}

// refresh fetches secret, unless a fetch is already in flight, and answers
// every waiter with its outcome.
func (c *downCache[V]) refresh(secret string, done func(V, error)) {
	if ws, ok := c.waiting[secret]; ok {
		c.waiting[secret] = append(ws, done)
		return
	}
	c.waiting[secret] = []func(V, error){done}
	asked := c.now()
	c.fetch(secret, func(v V, err error) {
		v, err = c.settle(secret, asked, v, err)
		ws := c.waiting[secret]
		delete(c.waiting, secret)
		for _, w := range ws {
			w(v, err)
		}
	})
}

// settle turns a fetch's outcome into an answer and updates the cache: a
// value is kept, a secret that names no token is forgotten, and a failure
// is answered under the down policy.
func (c *downCache[V]) settle(secret string, asked time.Time, v V, err error) (V, error) {
	var zero V
	switch {
	case err == nil:
		c.cache.Put(secret, v, asked)
		return v, nil
	case errors.Is(err, acl.ErrNotFound):
		c.cache.Delete(secret)
		return zero, acl.ErrNotFound
	}
	cur, cached := c.cache.Get(secret)
	switch acl.DecideCache(cached, cur.Age(c.now()), c.cache.TTL(), false, c.down) {
	case acl.UseCache:
		return cur.Value, nil
	case acl.AllowAllAction:
		return c.unreachable(true, err)
	}
	return c.unreachable(false, err)
}
