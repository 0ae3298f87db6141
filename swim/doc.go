// Package swim is cairn's gossip membership: the SWIM protocol (Das, Gupta,
// Motivala, "SWIM: Scalable Weakly-consistent Infection-style Process Group
// Membership Protocol", DSN 2002) with the Lifeguard refinements (Dadgar,
// Phillips, Currey, "Lifeguard: Local Health Awareness for More Accurate
// Failure Detection", 2018), in the form HashiCorp's memberlist and Serf gave
// them. Every cairn agent is a member of its datacenter's LAN pool; servers
// are also members of the WAN pool. Through it agents find servers, failures
// are detected without a central heartbeat, and events are broadcast.
//
// # The trade-off
//
// A heartbeat to a central monitor is simple but puts the whole load and the
// whole judgement on one place. All-to-all heartbeats cost O(n²) messages.
// SWIM separates failure detection from dissemination: each member probes one
// random peer per period (constant load per member, whatever n), and news
// about joins, failures and departures rides for free on the probe traffic,
// spreading like an epidemic in O(log n) periods. The price is that
// membership is only eventually consistent, and that a slow member can
// wrongly accuse healthy peers; Lifeguard is the cure for the latter.
//
// # A deterministic state machine
//
// A [Member] never reads a clock, starts a goroutine, draws global randomness
// or touches a socket. Time is a time.Duration the driver passes in (any
// monotonic origin); randomness comes from Config.Rand; nonces from
// Config.Entropy. The driver's contract:
//
//  1. Create the member with [New] at time now, then [Member.Join] seed
//     addresses.
//  2. Give every datagram to [Member.Step], every incoming stream message
//     to [Member.HandleStream] (send back the reply it returns).
//  3. Call [Member.Tick] at or after [Member.NextDeadline]. One timer per
//     member is enough: the deadline covers the probe schedule, probe and
//     relay timeouts, suspicion timers, gossip (only while there is gossip
//     to send), push-pull, reconnect and keyring query deadlines.
//  4. After every call, take [Member.Ready] and act on it: persist the
//     keyring if KeyringChanged, send its Packets (already sealed), run
//     its Streams (dial, send the payload, hand the single reply to
//     [Member.StreamReply] or report [Member.StreamFailed]), deliver its
//     Events, UserEvents and KeyQueries. Then re-arm the timer.
//
// Apart from a keyring a query changed, nothing has to be persisted before
// sending: a restarted member rejoins with a fresh state and wins back its
// name by refuting, with a higher incarnation, whatever the pool last
// believed about it. Package swim/driver is this loop over a netsim.Env.
//
// # Where each part of the papers lives
//
//   - SWIM §3 and §4.3, failure detection with randomized round-robin
//     probing, ping-req through k members, and memberlist's stream fallback
//     probe: probe.go. The member table doubles as the probe order; it is
//     shuffled at the end of each round and a newcomer is inserted at a
//     random slot of the rest of the round (state.go, addNode).
//   - SWIM §4.2, the suspicion mechanism: alive, suspect and dead messages
//     ordered by incarnation numbers, refutation by a member that hears it
//     is suspected, graceful leave (a dead message from the node about
//     itself, kept apart as StateLeft), reaping after ReconnectTimeout or
//     TombstoneTimeout, and name conflicts reported rather than merged:
//     state.go. Suspicion timers: suspicion.go.
//   - Lifeguard §IV-A, local health awareness: awareness.go keeps the score;
//     probe.go raises it for each missed nack (or for a failed probe without
//     nacks), lowers it on every ack, and stretches the probe interval and
//     timeout by it; state.go raises it on each refutation. Nacks from
//     indirect probers: probe.go (tickRelays).
//   - Lifeguard §IV-B, dynamic suspicion: suspicion.go. A suspicion starts
//     at SuspicionMaxTimeoutMult·min and shrinks logarithmically to min with
//     each of k = SuspicionMult-2 independent confirmations. A confirmation
//     is another member's failed probe of the suspect, which it gossips as
//     its own suspect message (probe.go, finishProbe).
//   - Lifeguard §IV-C, the buddy system: probe.go (startProbe) piggybacks the
//     suspicion on the ping to the suspect itself.
//   - SWIM §4.1, infection-style dissemination: broadcast.go holds the queue
//     (least transmitted first, newer news about a node replacing older, at
//     most RetransmitMult·ceil(log10(n+1)) sends); transport.go piggybacks it
//     on every packet up to PacketSize and gossips it to GossipNodes random
//     members every GossipInterval, dead ones included for a while.
//   - Push-pull anti-entropy and joining, from memberlist, and Serf's
//     reconnect to failed members that heals partitions: pushpull.go.
//   - User events with a Lamport clock and a recent-event buffer, from
//     Serf: userevent.go.
//   - Vivaldi network coordinates, from Serf: coordinate.go. Acks carry the
//     responder's coordinate; each direct probe's RTT moves the prober's.
//   - Keyring queries, Serf's way of rotating the gossip key across a
//     pool: keyquery.go. The origin broadcasts the operation like a user
//     event (with a Lamport clock of its own), each member applies it to
//     its own keyring and answers the origin directly (and through
//     relays), and the origin reports the answers and the silent members
//     at the deadline in Ready.KeyQueries. Their frames: keyquerywire.go.
//   - The versioned binary wire format and its decoder: wire.go,
//     message.go. Encryption: crypto.go (AES-GCM seal and open) and
//     keyring.go (install, use, remove, list, persistence format). A
//     stream request that cannot be read because the keys differ is
//     answered with a plaintext refusal, so that the refused node's log
//     says why: refusal.go.
//   - Configuration and the LAN, WAN and local presets, each knob's formula
//     in its comment: config.go. Public types (states, events, Ready):
//     types.go. The Member and its entry points: member.go. The member
//     table's rows: table.go.
//
// # Memory
//
// Every member knows every other, so a pool of n members holds n² rows
// between them: in the simulator, which runs a whole pool in one process, the
// rows and the news queued about them are nearly all the memory. A row is a
// small fixed-size record (table.go) that holds the immutable name, address
// and tags interned, one copy per process however many members know them;
// the news about a node hangs off its row rather than a map, is held in a
// string of its exact size, and the queue's buckets give back the room a
// join wave left behind (broadcast.go).
//
// # Determinism
//
// The member table is a slice indexed by slot with a name-to-slot map; no
// output depends on map iteration order, nor on the interned handles' own
// addresses, which only serve as map keys and in equality tests. Integer formulas (transmit limit,
// push-pull scale) use integer arithmetic. The two float formulas, the
// suspicion timeouts (log10 of the pool size, log of the confirmation count)
// and the Vivaldi update, are plain IEEE-754 operations, identical from run
// to run on one platform.
package swim
