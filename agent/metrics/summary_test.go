package metrics

import (
	"encoding/json"
	"math"
	"testing"
	"time"

	"github.com/hashicorp/consul/api"
	"github.com/stretchr/testify/require"
)

func TestSummaryHasConsulsShapeAndDottedNames(t *testing.T) {
	r := NewRegistry("consul")
	r.Gauge("raft.term", "Term.").Set(4)
	r.Gauge("serf.lan.members", "Members.", "state").Set(3, "alive")
	r.Total("raft.wal.syncs_total", "Syncs.").Set(9)
	c := r.Counter("rpc.request", "Requests.", "method")
	c.Add(2, "KVS.Apply")
	c.Add(4, "KVS.Apply")
	h := r.Histogram("api.http", "HTTP.", DefaultDurationBuckets, "route")
	for _, v := range []float64{1, 2, 3, 4} {
		h.Observe(v, "/v1/kv/")
	}

	now := time.Date(2026, 11, 24, 21, 0, 7, 0, time.UTC)
	s, err := r.Summary(now)
	require.NoError(t, err)
	require.Equal(t, "2026-11-24 21:00:00 +0000 UTC", s.Timestamp, "truncated to the 10 s interval")
	require.Equal(t, []GaugeValue{
		{Name: "consul.raft.term", Value: 4, Labels: map[string]string{}},
		{Name: "consul.raft.wal.syncs_total", Value: 9, Labels: map[string]string{}},
		{Name: "consul.serf.lan.members", Value: 3, Labels: map[string]string{"state": "alive"}},
	}, s.Gauges)
	require.Len(t, s.Counters, 1)
	got := s.Counters[0]
	require.Equal(t, "consul.rpc.request", got.Name)
	require.Equal(t, map[string]string{"method": "KVS.Apply"}, got.Labels)
	require.Equal(t, uint64(2), got.Count)
	require.Equal(t, 6.0, got.Sum)
	require.Equal(t, 2.0, got.Min)
	require.Equal(t, 4.0, got.Max)
	require.Equal(t, 3.0, got.Mean)
	require.InDelta(t, math.Sqrt2, got.Stddev, 1e-9)
	require.Len(t, s.Samples, 1)
	require.Equal(t, "consul.api.http", s.Samples[0].Name)
	require.Equal(t, uint64(4), s.Samples[0].Count)
	require.Equal(t, 2.5, s.Samples[0].Mean)
	require.InDelta(t, 1.2909944, s.Samples[0].Stddev, 1e-6)

	b, err := json.Marshal(s)
	require.NoError(t, err)
	var raw map[string]any
	require.NoError(t, json.Unmarshal(b, &raw))
	require.Equal(t, []any{}, raw["Points"], "Points is an empty list, not null")
	counter := raw["Counters"].([]any)[0].(map[string]any)
	for _, field := range []string{"Name", "Count", "Rate", "Sum", "Min", "Max", "Mean", "Stddev", "Labels"} {
		require.Contains(t, counter, field)
	}
	var official api.MetricsInfo
	require.NoError(t, json.Unmarshal(b, &official), "the official client decodes it")
	require.Equal(t, "consul.api.http", official.Samples[0].Name)
	require.Equal(t, 4, official.Samples[0].Count)
}

func TestSummaryOfAnEmptyRegistryHasEmptyListsNotNulls(t *testing.T) {
	s, err := NewRegistry("consul").Summary(time.Now())
	require.NoError(t, err)
	b, err := json.Marshal(s)
	require.NoError(t, err)
	require.JSONEq(t, `{"Timestamp":"`+s.Timestamp+`","Gauges":[],"Points":[],"Counters":[],"Samples":[]}`, string(b))
}

func TestSummaryRunsTheScrapeHooks(t *testing.T) {
	r := NewRegistry("")
	g := r.Gauge("g", "help")
	r.BeforeScrape("k", func() { g.Set(5) })
	s, err := r.Summary(time.Now())
	require.NoError(t, err)
	require.Equal(t, 5.0, s.Gauges[0].Value)
}
