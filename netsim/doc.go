// Package netsim is cairn's deterministic simulator, and the contract that
// every node of cairn is written against.
//
// # Two worlds, one contract
//
// A cairn node (a Raft server, a SWIM member, a whole agent) never touches the
// operating system directly. It sees the world only through an [Env]: the
// current time, timers, a random source, datagrams, message streams and a
// disk. Two implementations of Env exist:
//
//   - this package, which runs many nodes on one goroutine with virtual time
//     and draws every choice (latency, loss, crashes, torn writes) from one
//     seeded PRNG, so that a seed is a complete, replayable test case;
//   - internal/osenv, which runs one node over real UDP and TCP sockets, real
//     timers and real files.
//
// The code between them is identical, so the code that survives ten thousand
// simulated partitions is the code that runs in production.
//
// # The caller's contract
//
// An Env calls into its node (timer callbacks, datagram handlers, stream
// handlers) one call at a time and never concurrently, so node code needs no
// locks. A callback must not block: it does its work and returns. Calls into
// the Env (Send, WriteTo, AfterFunc, disk writes) may be made from inside any
// callback.
//
//   - Time: [Env.Now] is the node's local clock. In the simulator it can drift
//     and be skewed against other nodes; a timer set for d fires after d of
//     the node's own local time. Time also passes while a node works: a slow
//     fsync advances the node's clock, and whatever the node sends after it
//     leaves later.
//   - Randomness: [Env.Rand] is the node's own seeded stream, for jitter and
//     choices. [Env.Entropy] is for secrets and IDs: crypto/rand in
//     production, a seeded stream in the simulator.
//   - Datagrams ([PacketConn]) may be lost, duplicated, reordered or delayed;
//     they are never corrupted (the simulator models corruption on disk only).
//   - Streams ([Stream]) carry whole messages, in order, exactly once, until
//     they break. A crash, a partition or Close breaks a stream on both ends:
//     each end's [StreamHandler.HandleClose] is called once, after which no
//     more messages arrive. A Dial that cannot connect ends the same way.
//   - Disk ([Disk], [File]): writes go to a cache and reach stable storage
//     only through [File.Sync]; a new, renamed or removed name becomes
//     durable only through [Disk.SyncDir]. At a crash the simulator may drop
//     anything not yet synced, keep part of the last unsynced write, or (as a
//     separate fault) flip a bit in a synced record. Code that needs a write
//     to survive must sync it, and must check what it reads back.
//
// After a crash the node's callbacks are never called again. A restart boots
// the node afresh (its boot function runs with a new Env) on the disk that
// survived.
//
// # The simulator
//
// A deterministic simulator runs a whole cluster inside one test, on one
// goroutine, in virtual time. Nothing in a run depends on the wall clock,
// the Go scheduler or map order; every choice (how long a packet takes,
// whether it is lost, which host crashes when, how much of a torn write
// survives) is drawn from a PRNG seeded by the run's seed. So a seed is a
// complete test case: running it again replays every event in the same
// order, and a failure found once can be replayed, stepped through and
// fixed.
//
//	sim := netsim.New(seed, netsim.Options{})
//	sim.AddHost("s1", "dc1", bootServer) // boot runs at start and at every restart
//	sim.AddHost("s2", "dc1", bootServer)
//	sim.AddHost("s3", "dc2", bootServer) // another zone: WAN links
//	sim.At(2*time.Second, func() { sim.Isolate("s1") })
//	sim.At(5*time.Second, sim.Heal)
//	sim.RunFor(10 * time.Second)
//	fmt.Println(sim.TraceHash())
//
// The event loop. The simulator keeps a queue of events ordered by (virtual
// time, insertion number): timer firings, datagram and stream deliveries,
// boots, and the test's own closures (At, After). Step takes the earliest
// event, moves the clock to its time and runs it; whatever the callback
// schedules goes into the queue. A node that waits for a timer costs
// nothing until the timer is due, so thousands of mostly idle nodes fit in
// one run. A node that is busy (in a slow fsync, or paused) has its events
// held until it is free. Stopped timers stay in the queue and are skipped
// when their time comes (they are purged when they pile up).
//
// PRNG streams. The root seed is split into independent streams
// (math/rand/v2 PCG seeded with the root seed and a stream ID): one for the
// network, one for faults, one for the workload (Workload, or Rand(name) for
// named ones), one for the seed's fault plan, and for each host one per boot
// for Env.Rand and Env.Entropy and one for its disk. Adding a fault kind, or
// a node drawing one more number, changes only its own stream: the workload
// and the other nodes draw what they drew before.
//
// Time. Each host has a local clock: true virtual time, plus a skew, running
// fast or slow by a drift in parts per million (SetClock). Env.Now is Epoch
// plus local time, and AfterFunc(d) fires after d of local time. Time also
// passes while a node works: with a slow fsync (SetDiskFaults) a Sync makes
// the node busy, so that its clock, its timers and whatever it sends after
// the Sync all move later by the fsync's duration.
//
// The network. Links inside a zone follow Options.LAN, links between zones
// Options.WAN (LANProfile, WANProfile): a latency range, and for datagrams
// only, loss, duplication and reordering probabilities. Streams model TCP:
// in order, exactly once, until a fault breaks them; stream.go states when
// each end hears of a break.
//
// Faults, each a method acting at once, placed in time with At:
//   - network: Partition (symmetric groups), Cut (one direction), Isolate
//     (one host), Bridge (a host that reaches every group), CutZones (a WAN
//     cut between datacenters, LAN links intact), Heal;
//   - hosts: Crash, Restart with the disk that survived or an empty one,
//     Pause (a stop-the-world pause: nothing lost, everything late);
//   - clocks: SetClock (skew and drift);
//   - disks: SetDiskFaults (torn writes at a crash, fsync latency) and
//     FlipBit (one bit of a synced file).
//
// Swarm testing and phases. Rather than one fixed mix of faults, each seed
// draws its own (DrawFaults, FaultPlan): some seeds lose packets and never
// crash, others crash often on a perfect network. ApplyFaults then runs a
// safety phase, in which the faults of the plan strike at times drawn from
// the fault stream and the test checks only that nothing wrong happens
// (no two leaders, no lost acknowledged write), and at its end a liveness
// phase, in which the network heals and every host is up, and the test
// checks that the system makes progress again.
//
// The trace. Every delivered or dropped datagram and stream message, timer
// firing, boot, crash, fault and disk fault is a trace record, encoded
// canonically (trace.go) into a running SHA-256: TraceHash fingerprints
// the run. The same seed must give the same hash, under any GOMAXPROCS and
// under the race detector; nodes may add records of their own through the
// Tracer interface their Env implements. Options.TraceWriter prints the
// records as text.
//
// Replaying. Package netsim/simtest runs a test over a range of seeds and,
// when one fails, prints "seed=N trace=<hash>" and the go test command
// that replays exactly that run (-seed=N); -seeds=A-B runs a long soak.
//
// Files:
//   - env.go: the contract (Env, Network, Stream, Disk, ...).
//   - sim.go: Sim, Options, the event loop's public face (At, Step, Run*).
//   - events.go: the event queue, a 4-ary heap ordered by (time, seq).
//   - rand.go: PRNG stream derivation.
//   - host.go: hosts, boots, the simulator's Env, timers, Tracer.
//   - clock.go: local clocks with skew and drift; zap's virtual clock.
//   - link.go: link profiles, latency draws, reachability under faults.
//   - network.go: ports, datagram sockets, datagram delivery.
//   - stream.go: streams, listeners, dialing, breaking.
//   - disk.go: the in-memory disk with synced and unsynced state.
//   - diskfaults.go: torn writes at a crash, bit flips, slow fsync.
//   - faults.go: network, crash/restart, pause and clock faults.
//   - plan.go: FaultPlan (swarm testing) and ApplyFaults (the phases).
//   - trace.go: the canonical trace encoding and its hash.
package netsim
