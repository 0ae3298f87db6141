package acl

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestDecideCacheFollowsConsulsDownPolicy checks every combination of entry
// (none, fresh, stale), reachability and down policy against the behaviour
// Consul documents for acl.down_policy.
func TestDecideCacheFollowsConsulsDownPolicy(t *testing.T) {
	const ttl = 30 * time.Second
	type entry int
	const (
		none entry = iota
		fresh
		stale
	)
	cases := []struct {
		entry     entry
		reachable bool
		down      DownPolicy
		want      CacheAction
	}{
		// A fresh entry is used whatever else holds.
		{fresh, true, DownAllow, UseCache},
		{fresh, true, DownDeny, UseCache},
		{fresh, true, DownExtendCache, UseCache},
		{fresh, true, DownAsyncCache, UseCache},
		{fresh, false, DownAllow, UseCache},
		{fresh, false, DownDeny, UseCache},
		{fresh, false, DownExtendCache, UseCache},
		{fresh, false, DownAsyncCache, UseCache},
		// Stale, servers reachable: refresh; async-cache answers from the
		// stale entry while it refreshes.
		{stale, true, DownAllow, Refresh},
		{stale, true, DownDeny, Refresh},
		{stale, true, DownExtendCache, Refresh},
		{stale, true, DownAsyncCache, UseCacheAndRefresh},
		// Nothing cached, servers reachable: fetch.
		{none, true, DownAllow, Refresh},
		{none, true, DownDeny, Refresh},
		{none, true, DownExtendCache, Refresh},
		{none, true, DownAsyncCache, Refresh},
		// Stale, servers down: allow and deny apply; the cache policies
		// extend the stale entry.
		{stale, false, DownAllow, AllowAllAction},
		{stale, false, DownDeny, DenyAllAction},
		{stale, false, DownExtendCache, UseCache},
		{stale, false, DownAsyncCache, UseCache},
		// Nothing cached, servers down: the cache policies act like deny.
		{none, false, DownAllow, AllowAllAction},
		{none, false, DownDeny, DenyAllAction},
		{none, false, DownExtendCache, DenyAllAction},
		{none, false, DownAsyncCache, DenyAllAction},
	}
	for _, c := range cases {
		name := fmt.Sprintf("entry=%d/reachable=%v/%s", c.entry, c.reachable, c.down)
		t.Run(name, func(t *testing.T) {
			age := map[entry]time.Duration{none: 0, fresh: ttl - time.Nanosecond, stale: ttl}[c.entry]
			require.Equal(t, c.want, DecideCache(c.entry != none, age, ttl, c.reachable, c.down))

			cache := NewCache[string](ttl, 4)
			if c.entry != none {
				cache.Put("secret", "authz", epoch)
			}
			require.Equal(t, c.want, cache.Decide("secret", epoch.Add(age), c.reachable, c.down))
		})
	}
}

func TestCacheKeepsStaleEntriesAndEvictsTheOldest(t *testing.T) {
	c := NewCache[int](time.Minute, 2)
	c.Put("a", 1, epoch)
	c.Put("b", 2, epoch.Add(time.Second))
	e, ok := c.Get("a")
	require.True(t, ok)
	require.Equal(t, time.Hour, e.Age(epoch.Add(time.Hour)))
	c.Put("a", 10, epoch.Add(2*time.Second)) // refresh, no eviction
	require.Equal(t, 2, c.Len())
	c.Put("c", 3, epoch.Add(3*time.Second)) // evicts b, now the oldest
	_, ok = c.Get("b")
	require.False(t, ok)
	e, _ = c.Get("a")
	require.Equal(t, 10, e.Value)
	c.Delete("a")
	require.Equal(t, 1, c.Len())
	require.Equal(t, time.Minute, c.TTL())
}

func TestCacheEvictionTiesBreakByKey(t *testing.T) {
	for range 20 {
		c := NewCache[int](time.Minute, 3)
		c.Put("z", 0, epoch)
		c.Put("m", 0, epoch)
		c.Put("q", 0, epoch)
		c.Put("new", 0, epoch)
		_, ok := c.Get("m")
		require.False(t, ok, "the smallest key among the oldest goes first")
	}
}
