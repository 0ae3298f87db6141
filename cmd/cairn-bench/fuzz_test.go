package main

import (
	"strings"
	"testing"
)

// FuzzPromValues checks that no metrics text makes the parser panic and
// that only the names asked for come back.
func FuzzPromValues(f *testing.F) {
	f.Add("consul_raft_term 3\n")
	f.Add("# TYPE x gauge\nconsul_raft_wal_syncs_total 1e3 17\n")
	f.Add("consul_raft_wal_entries_total NaN\nconsul_raft_term{a=\"b\"} 1\n")
	f.Fuzz(func(t *testing.T, text string) {
		v, err := promValues(strings.NewReader(text), raftTermMetric, walSyncsMetric, walEntriesMetric)
		if err != nil {
			return
		}
		for name := range v {
			if name != raftTermMetric && name != walSyncsMetric && name != walEntriesMetric {
				t.Fatalf("unasked metric %q returned", name)
			}
		}
	})
}

// FuzzParseVmRSS checks that no status file makes the parser panic or
// return a negative size.
func FuzzParseVmRSS(f *testing.F) {
	f.Add("VmRSS:\t 1024 kB\n")
	f.Add("Name: x\nVmRSS: -5 kB\n")
	f.Add("VmRSS:")
	f.Fuzz(func(t *testing.T, text string) {
		n, err := parseVmRSS(strings.NewReader(text))
		if err == nil && n < 0 {
			t.Fatalf("negative size %d from %q", n, text)
		}
	})
}
