package main

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"
)

// FuzzSemaphoreDocument feeds arbitrary .lock values to the semaphore's
// decoder: it must never panic, and a document it accepts has our limit
// and lists only holders that still hold a contender key.
func FuzzSemaphoreDocument(f *testing.F) {
	f.Add([]byte(`{"Limit":2,"Holders":{"s1":true,"s2":true}}`), "s1")
	f.Add([]byte(`{"Limit":2,"Holders":null}`), "")
	f.Add([]byte(`{"Limit":3,"Holders":{}}`), "s1")
	f.Add([]byte(`[1,2]`), "s1")
	f.Add([]byte{}, "s1")
	f.Fuzz(func(t *testing.T, value []byte, liveSession string) {
		s := newSemaphore(nil, "pool", "me", 2, 0)
		pairs := []kvPair{
			{Key: "pool/.lock", Flags: semaphoreFlagValue, Value: value, ModifyIndex: 9},
			{Key: "pool/" + liveSession, Session: liveSession, Flags: semaphoreFlagValue},
		}
		doc, modifyIndex, err := s.read(pairs)
		if err != nil {
			return
		}
		require.Equal(t, 2, doc.Limit)
		require.Equal(t, uint64(9), modifyIndex)
		for h := range doc.Holders {
			require.Equal(t, liveSession, h)
		}
	})
}

// FuzzWatchAnswer feeds arbitrary answer bodies to the watch decoder of
// a key watch and a list watch: it must never panic, and what it accepts
// is valid JSON or no result.
func FuzzWatchAnswer(f *testing.F) {
	f.Add([]byte(`[{"Key":"a","Value":"MQ=="}]`))
	f.Add([]byte(`[]`))
	f.Add([]byte(`{"web":["v1"]}`))
	f.Add([]byte(`[1`))
	f.Add([]byte(`null`))
	f.Fuzz(func(t *testing.T, body []byte) {
		for _, q := range []*watchQuery{{single: true}, {}} {
			data, err := q.data(&response{code: http.StatusOK, body: body})
			if err != nil || data == nil {
				continue
			}
			require.True(t, json.Valid(data), "%q", data)
		}
	})
}
