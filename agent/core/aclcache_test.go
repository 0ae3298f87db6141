package core

import (
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cairn-sd/cairn/acl"
)

func TestDownCacheSharesFetchesAndFallsBackUnderItsDownPolicy(t *testing.T) {
	now := time.Unix(1_000, 0)
	var pending []func(int, error)
	errDown := errors.New("primary unreachable")
	c := newDownCache(func() time.Time { return now },
		func(_ string, done func(int, error)) { pending = append(pending, done) },
		acl.DownExtendCache, time.Second, 8,
		func(allow bool, err error) (int, error) { return -1, err })
	var got []int
	record := func(v int, err error) {
		if err != nil {
			v = -100
		}
		got = append(got, v)
	}

	c.get("s", record)
	c.get("s", record)
	require.Len(t, pending, 1, "two callers, one fetch")
	pending[0](7, nil)
	require.Equal(t, []int{7, 7}, got)
	c.get("s", record)
	require.Len(t, pending, 1, "a fresh entry answers without a fetch")

	now = now.Add(2 * time.Second)
	c.get("s", record)
	require.Len(t, pending, 2, "a stale entry is fetched again")
	pending[1](0, errDown)
	require.Equal(t, 7, got[len(got)-1], "extend-cache: the stale entry stands in while nobody answers")

	c.get("never", record)
	pending[2](0, errDown)
	require.Equal(t, -100, got[len(got)-1], "nothing cached: the unreachable answer")

	c.get("s", record)
	pending[3](0, acl.ErrNotFound)
	require.Equal(t, -100, got[len(got)-1])
	_, cached := c.cache.Get("s")
	require.False(t, cached, "a token the servers do not know is forgotten")
}
