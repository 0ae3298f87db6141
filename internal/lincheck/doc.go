// Package lincheck checks that a history of KV operations, recorded by a
// test while clients ran against a cluster, is linearizable: that there is
// one order of the operations, consistent with real time (an operation that
// returned before another was invoked comes first), in which every answer
// is what a single, correct KV map would have given (Herlihy and Wing,
// "Linearizability: A Correctness Condition for Concurrent Objects", 1990).
// The search for that order is porcupine's (github.com/anishathalye/porcupine);
// this package supplies the model of cairn's KV store and the recorder.
//
// # The model
//
// The state is a map from key to value. Operations are get, put, CAS
// (?cas=index: write only if the key's ModifyIndex is index, or, with
// index 0, only if the key does not exist) and transactions of get, set,
// cas and check-index operations that apply all or nothing.
//
// CAS success depends on the ModifyIndex, which the model cannot predict:
// it is the Raft index at which the write was applied. The recorder
// requires instead that every write writes a value never written before.
// Then a key's value and its ModifyIndex change together, one to one, and
// every (key, value, ModifyIndex) triple the history reveals (a read's
// answer, the index a transaction reports for its writes) names the value
// a given ModifyIndex stands for. Before the search, Check gathers these
// triples and rejects a history in which one index stood for two values or
// one value carried two indexes. In the search, "the key's ModifyIndex is
// m" is then "the key holds the value written at m". A CAS or check-index
// on an index the history never revealed is a mistake of the test, and is
// reported as such.
//
// # Indeterminate operations
//
// A write whose answer never came (the client timed out, the answer was
// lost with a crashed server) may have been applied or not, at any moment
// after its invocation. It is recorded with an unknown outcome and an
// infinite return time, so the search may place it anywhere after its
// call, including after every other operation (never applied). A read with
// no answer tells nothing and is left out. So is a write the system refused
// (no leader took it): if it applied after all, the value it wrote appears
// from nowhere, and a read that returns it fails the check.
//
// # Partitions
//
// Operations on disjoint sets of keys do not constrain each other, so the
// history is split into groups of keys that operations connect (a
// transaction over two keys joins them) and each group is checked on its
// own (porcupine's P-compositionality), which keeps the search small.
//
// Files:
//   - op.go: operations and outcomes as the recorder takes them.
//   - model.go: the porcupine model and the partition by key group.
//   - indexes.go: the pre-check of the ModifyIndexes a history revealed.
//   - history.go: the recorder and Check, which writes porcupine's
//     visualization to a file when a history fails.
package lincheck
