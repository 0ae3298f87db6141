package config

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzParse feeds arbitrary bytes to the config parser: it may refuse them,
// but it must never panic, and whatever it accepts must print.
func FuzzParse(f *testing.F) {
	for _, dir := range []string{"server1", "server2", "server3"} {
		data, err := os.ReadFile(filepath.Join("testdata", "seed", dir, "config.json"))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte(`{"data_dir":"/d","services":[{"name":"w","checks":[{"ttl":"1s"},{"tcp":"x:1","interval":1}]}]}`))
	f.Add([]byte(`{"data_dir":"/d","retry_join":["[::1]","h:1"],"ports":{"http":-1},"watches":[{"a":[1,{"b":null}]}]}`))
	f.Add([]byte(`{"dns_config":{"service_ttl":{"*":0}},"server":true,"bootstrap_expect":1,"data_dir":"x"}`))
	f.Add([]byte(`[`))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := Parse("fuzz.json", data, hostOptions())
		if err == nil {
			_ = c.String()
		}
	})
}
