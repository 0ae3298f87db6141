package acl

import (
	"fmt"
	"time"
)

// Entry is one cached value and the time it was fetched.
type Entry[V any] struct {
	Value   V
	Fetched time.Time
}

// Age returns how long ago, at now, the entry was fetched.
func (e Entry[V]) Age(now time.Time) time.Duration {
	return now.Sub(e.Fetched)
}

// Cache keeps resolved values (authorizers, tokens, policies) for a TTL, the
// acl.token_ttl and acl.policy_ttl settings. It never reads a clock: every
// call takes the current time. Stale entries are kept, not dropped, because
// down_policy extend-cache and async-cache still use them; a full cache
// evicts its oldest entry.
//
// A Cache is not safe for concurrent use; a caller that shares one locks
// around it. Its keys may be secrets: it never prints them.
type Cache[V any] struct {
	ttl        time.Duration
	maxEntries int
	entries    map[string]Entry[V]
}

// NewCache returns an empty cache whose entries are fresh for ttl and which
// holds at most maxEntries (at least one).
func NewCache[V any](ttl time.Duration, maxEntries int) *Cache[V] {
	return &Cache[V]{ttl: ttl, maxEntries: max(maxEntries, 1), entries: map[string]Entry[V]{}}
}

// TTL returns how long an entry stays fresh.
func (c *Cache[V]) TTL() time.Duration { return c.ttl }

// Len returns the number of entries, fresh or stale.
func (c *Cache[V]) Len() int { return len(c.entries) }

// Get returns the entry for key, fresh or stale.
func (c *Cache[V]) Get(key string) (Entry[V], bool) {
	e, ok := c.entries[key]
	return e, ok
}

// Put stores v for key as fetched at now, evicting the oldest entry (ties
// broken by key, so the choice is deterministic) if the cache is full.
func (c *Cache[V]) Put(key string, v V, now time.Time) {
	if _, ok := c.entries[key]; !ok && len(c.entries) >= c.maxEntries {
		c.evictOldest()
	}
	c.entries[key] = Entry[V]{Value: v, Fetched: now}
}

// Delete removes key.
func (c *Cache[V]) Delete(key string) { delete(c.entries, key) }

func (c *Cache[V]) evictOldest() {
	var victim string
	var oldest time.Time
	first := true
	for k, e := range c.entries {
		if first || e.Fetched.Before(oldest) || (e.Fetched.Equal(oldest) && k < victim) {
			victim, oldest, first = k, e.Fetched, false
		}
	}
	delete(c.entries, victim)
}

// Decide returns what to do for key at now, given whether the servers can be
// reached and the down policy; see [DecideCache].
func (c *Cache[V]) Decide(key string, now time.Time, reachable bool, down DownPolicy) CacheAction {
	e, ok := c.entries[key]
	return DecideCache(ok, e.Age(now), c.ttl, reachable, down)
}

// DownPolicy is acl.down_policy: what an agent does when it needs a token or
// policy it cannot fetch because the servers (or the primary datacenter)
// cannot be reached.
type DownPolicy uint8

// The four down policies. DownExtendCache is Consul's default.
const (
	DownExtendCache DownPolicy = iota
	DownAsyncCache
	DownAllow
	DownDeny
)

// ParseDownPolicy reads the configuration spelling.
func ParseDownPolicy(s string) (DownPolicy, error) {
	switch s {
	case "extend-cache":
		return DownExtendCache, nil
	case "async-cache":
		return DownAsyncCache, nil
	case "allow":
		return DownAllow, nil
	case "deny":
		return DownDeny, nil
	}
	return DownExtendCache, fmt.Errorf("acl: down_policy %q is not allow, deny, extend-cache or async-cache", s)
}

// String returns the configuration spelling.
func (p DownPolicy) String() string {
	switch p {
	case DownAsyncCache:
		return "async-cache"
	case DownAllow:
		return "allow"
	case DownDeny:
		return "deny"
	}
	return "extend-cache"
}

// CacheAction is what a caller does with a cache lookup.
type CacheAction uint8

// The actions [DecideCache] chooses between.
const (
	// UseCache: answer with the cached value.
	UseCache CacheAction = iota
	// Refresh: fetch now, and wait for the answer.
	Refresh
	// UseCacheAndRefresh: answer with the stale cached value now and fetch
	// a fresh one in the background (async-cache).
	UseCacheAndRefresh
	// AllowAllAction: answer with [AllowAll] (down_policy allow).
	AllowAllAction
	// DenyAllAction: answer with [DenyAll].
	DenyAllAction
)

// String names the action.
func (a CacheAction) String() string {
	switch a {
	case Refresh:
		return "refresh"
	case UseCacheAndRefresh:
		return "use-cache-and-refresh"
	case AllowAllAction:
		return "allow-all"
	case DenyAllAction:
		return "deny-all"
	}
	return "use-cache"
}

// DecideCache is the down_policy decision as a pure function. hasEntry and
// age describe the cached value (age is ignored without one); ttl is how long
// a value stays fresh; reachable says whether a fetch can succeed (a caller
// that does not know asks with true, and asks again with false if the fetch
// fails).
//
//   - A fresh entry is used, whatever the rest.
//   - Otherwise, with the servers reachable: async-cache answers with a stale
//     entry and refreshes in the background; every other policy, or
//     async-cache without an entry, refreshes and waits.
//   - With the servers unreachable: allow allows everything; deny denies
//     everything; extend-cache and async-cache use the stale entry as if it
//     had not expired, and act like deny when nothing was cached.
func DecideCache(hasEntry bool, age, ttl time.Duration, reachable bool, down DownPolicy) CacheAction {
	if hasEntry && age < ttl {
		return UseCache
	}
	if reachable {
		if down == DownAsyncCache && hasEntry {
			return UseCacheAndRefresh
		}
		return Refresh
	}
	switch down {
	case DownAllow:
		return AllowAllAction
	case DownDeny:
		return DenyAllAction
	}
	if hasEntry {
		return UseCache
	}
	return DenyAllAction
}
