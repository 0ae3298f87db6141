package metrics

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestGaugeFuncIsReadAtEveryScrape(t *testing.T) {
	r := NewRegistry("consul")
	calls := 0
	r.GaugeFunc("catalog_services", "Services in the catalog.", func() float64 {
		calls++
		return float64(calls * 10)
	})
	require.Equal(t, 0, calls, "registering must not read the function")

	require.Contains(t, scrape(t, r), "consul_catalog_services 10\n")
	require.Contains(t, scrape(t, r), "consul_catalog_services 20\n")
	require.Equal(t, 2, calls)
}

func TestGaugeFuncRegisteredAgainReplacesTheFunction(t *testing.T) {
	r := NewRegistry("")
	r.GaugeFunc("g", "help", func() float64 { return 1 })
	r.GaugeFunc("g", "help", func() float64 { return 2 })
	require.Equal(t, "# HELP g help\n# TYPE g gauge\ng 2\n", scrape(t, r))
}

func TestGaugeFuncMayUseTheRegistryWithoutDeadlock(t *testing.T) {
	r := NewRegistry("")
	r.GaugeFunc("a", "", func() float64 {
		r.Counter("b", "").Inc()
		return 1
	})
	require.Contains(t, scrape(t, r), "a 1\n")
}
