// Command cairn-bench measures a cairn (or Consul) cluster through its HTTP
// API and prints one line of figures per measurement, in a stable
// key=value form that scripts can parse:
//
//	bench=kv-put clients=64 ops=81234 ops_per_sec=8123.4 p50_ms=7.1 p99_ms=14.2 p999_ms=30.5
//
// Beside the cluster's figures it measures the machine's own limits with
// the same program: fsyncs per second of a directory's disk and the
// loopback round trip, so that a result can be read against its floor.
//
// It targets a running agent (-addr), or starts one (-start, which runs
// `cairn agent -dev` on free ports), or starts the seed's layout itself
// (-cluster: three servers with bootstrap_expect 3 on 127.0.0.1, ports
// chosen by the system, and with -client-agent a client agent beside
// them). What it starts it stops at the end, and removes its directories.
// In a cluster, -target says where the load goes: the leader's HTTP
// port, a follower's, all three servers in turn, or the client agent.
// No figure is an assertion: the program reports, it does not judge.
//
// The measurements (-tests):
//
//	machine           fsyncs per second of -fsync-dir's disk, loopback TCP round trip
//	kv-put            KV writes at each -clients count, with the leader's fsyncs
//	kv-get            KV reads in default, ?stale and ?consistent mode
//	catalog           catalog registrations per second
//	dns               A queries per second for a registered service, over UDP
//	watch             blocking-query fan-out: W watchers, one write, time to 50/99/100%
//	failover          kill -9 of the leader, time until a write succeeds, lost writes
//	memory            idle CPU, and idle, peak and current RSS of every agent started
//
// Files:
//
//	main.go           flags, starting what -start or -cluster asks for
//	agent.go          one agent process: start, kill, RSS; the -dev agent
//	cluster.go        the seed's three servers and a client agent, leader, restart
//	bench.go          what the measurements share: targets, report lines, quantiles
//	kv.go             kv-put, kv-get and the worker loop every throughput figure uses
//	catalog.go, dns.go, watch.go, failover.go, memory.go, machine.go: one measurement each
//	wal.go            the leader's Raft log counters before and after a write run
//	cpu.go            CPU time per process from /proc/<pid>/stat
//	parse.go          Prometheus text, and ports from bound-addresses.json
//
// The benchmarks in profile_test.go run three servers inside the test
// process so that `go test -cpuprofile` can profile them (the agent
// serves no pprof endpoint).
package main
