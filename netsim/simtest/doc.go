// Package simtest runs a simulation test over a range of seeds and tells
// the reader of a failure how to replay it. Import it only from _test.go
// files: it registers two flags in the test binary.
//
//	-seed=N      run only seed N (the replay of one failure)
//	-seeds=A-B   run seeds A to B inclusive (a long soak)
//
// Without either flag a test runs its default range, and under -short only
// the first few seeds of it. A seed that fails prints
//
//	seed=N trace=<hash>
//	replay: go test ./pkg -run '^TestName$' -seed=N
//
// and that command runs exactly the same simulation again: same events,
// same trace hash. Seed ranges are contiguous and never curated: a failing
// seed is fixed, not skipped.
//
// Files:
//   - seeds.go: the flags, Seeds, and the replay message.
package simtest
