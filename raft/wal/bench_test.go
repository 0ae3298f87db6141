package wal

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/cairn-sd/cairn/raft"
)

// BenchmarkAppendSync measures group commit on real files: each operation
// appends one batch (what one Ready hands out) and syncs it with one fsync.
// It reports entries per operation, fsyncs per second and entries per
// second; the last is what a Raft server can make durable.
func BenchmarkAppendSync(b *testing.B) {
	for _, batch := range []int{1, 16, 256} {
		b.Run(fmt.Sprintf("batch=%d", batch), func(b *testing.B) {
			w, _ := mustOpen(b, newDisk(b))
			payload := make([]byte, 128)
			es := make([]raft.Entry, batch)
			next := uint64(1)
			b.SetBytes(int64(batch * recordBytes(raft.Entry{Data: payload})))
			b.ResetTimer()
			for b.Loop() {
				for i := range es {
					es[i] = raft.Entry{Index: next, Term: 1, Data: payload}
					next++
				}
				if err := w.Append(es); err != nil {
					b.Fatal(err)
				}
				if err := w.Sync(); err != nil {
					b.Fatal(err)
				}
			}
			s := w.Stats()
			secs := b.Elapsed().Seconds()
			b.ReportMetric(float64(s.EntriesAppended)/float64(b.N), "entries/op")
			b.ReportMetric(float64(s.Syncs)/secs, "fsyncs/s")
			b.ReportMetric(float64(s.EntriesAppended)/secs, "entries/s")
			require.NoError(b, w.Close())
		})
	}
}
