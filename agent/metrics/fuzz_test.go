package metrics

import (
	"math"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// FuzzExpositionStaysWellFormed feeds arbitrary label values, help text
// and sample values, which in the agent come from users and the network
// (service names, node names, error strings), and checks that the
// exposition still parses and gives the label value back.
func FuzzExpositionStaysWellFormed(f *testing.F) {
	f.Add("web", "Plain help.", 1.5)
	f.Add("C:\\dir\\\"x\"\nnext", "back\\slash\nnewline \"quote\"", -0.0)
	f.Add("\xff\xfe invalid utf8 \\", "\x80", math.Inf(1))
	f.Add("}\",le=\"+Inf", "# TYPE x counter", math.NaN())
	f.Add("", "", 1e300)
	f.Add(" padded ", " \thelp with blanks at both ends\t ", 0.0)
	f.Fuzz(func(t *testing.T, labelValue, help string, v float64) {
		r := NewRegistry("consul")
		r.Counter("catalog_register", help, "service").Inc(labelValue)
		r.Gauge("g", help, "service").Set(v, labelValue)
		r.Histogram("rpc_request", help, DefaultDurationBuckets, "service").Observe(v, labelValue)

		families, err := parseExposition(scrape(t, r))
		require.NoError(t, err)
		require.Len(t, families, 3)
		wantValue := strings.ToValidUTF8(labelValue, "\uFFFD")
		wantHelp := strings.Trim(strings.ToValidUTF8(help, "\uFFFD"), " \t")
		for _, fam := range families {
			require.Equal(t, wantHelp, fam.help, fam.name)
			got, ok := fam.samples[0].label("service")
			require.True(t, ok)
			require.Equal(t, wantValue, got, fam.name)
		}
	})
}
