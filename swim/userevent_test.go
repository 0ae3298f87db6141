package swim

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestEventLogDropsDuplicatesAndEventsOlderThanTheBuffer(t *testing.T) {
	l := newEventLog(4)
	e := userEvent{LTime: 1, Name: "a", Payload: []byte("x")}
	l.witness(e.LTime)
	require.True(t, l.record(e))
	require.False(t, l.record(e), "a duplicate is dropped")
	require.True(t, l.record(userEvent{LTime: 1, Name: "b"}), "another event at the same time is new")
	l.witness(10)
	require.False(t, l.record(userEvent{LTime: 2, Name: "c"}), "older than the buffer: dropped")
	require.True(t, l.record(userEvent{LTime: 9, Name: "c"}))
	require.Equal(t, uint64(11), l.clock, "the clock moves past every time witnessed")
}
