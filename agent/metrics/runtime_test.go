package metrics

import (
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestRuntimeGaugesExposeConsulNamesWithLiveValues(t *testing.T) {
	r := NewRegistry("consul")
	RuntimeGauges(r)
	RuntimeGauges(r) // a second call is harmless
	runtime.GC()     // so that frees and GC runs are counted
	values := map[string]float64{}
	for _, line := range strings.Split(strings.TrimSuffix(scrape(t, r), "\n"), "\n") {
		if strings.HasPrefix(line, "#") {
			continue
		}
		name, value, ok := strings.Cut(line, " ")
		require.True(t, ok, line)
		v, err := strconv.ParseFloat(value, 64)
		require.NoError(t, err, line)
		values[name] = v
	}
	for _, name := range []string{
		"consul_runtime_alloc_bytes", "consul_runtime_sys_bytes", "consul_runtime_num_goroutines",
		"consul_runtime_heap_objects", "consul_runtime_malloc_count", "consul_runtime_free_count",
		"consul_runtime_total_gc_runs",
	} {
		require.Greater(t, values[name], 0.0, name)
	}
	require.Contains(t, values, "consul_runtime_total_gc_pause_ns")
	require.GreaterOrEqual(t, values["consul_runtime_sys_bytes"], values["consul_runtime_alloc_bytes"])
	require.Len(t, values, 8)
}
