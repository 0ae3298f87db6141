package core

import (
	"github.com/cairn-sd/cairn/agent/metrics"
	"github.com/cairn-sd/cairn/catalog"
	"github.com/cairn-sd/cairn/raft"
	"github.com/cairn-sd/cairn/swim"
)

// An agent's figures reach its metrics registry two ways. What happens at
// a moment (an RPC served, a leader change seen, a Raft log append or
// fsync) is recorded as it happens, on the loop (metrics_events.go). What
// is a state (the term, the indexes, members by state, the totals swim and
// the Raft log keep, the catalog's sizes) is copied into the registry by
// RecordFigures, which the runtime runs on the loop once per scrape.
// Metric names are Consul's where Consul has the figure; the Prometheus
// names are these with underscores, under the prefix ("consul_raft_term").
// A nil registry (the simulator's default) records nothing: every metric
// method is then a no-op.

// gossipMeters are the LAN pool's figures, on servers and clients alike.
type gossipMeters struct {
	members       *metrics.Gauge
	probes        *metrics.Total
	probesFailed  *metrics.Total
	suspicions    *metrics.Total
	udpSent       *metrics.Total
	udpReceived   *metrics.Total
	tcpSent       *metrics.Total
	decodeFailure *metrics.Total
}

// newGossipMeters registers the gossip metrics in r.
func newGossipMeters(r *metrics.Registry) gossipMeters {
	return gossipMeters{
		members:       r.Gauge("serf.lan.members", "Members of the LAN pool as this agent sees them, by state.", "state"),
		probes:        r.Total("memberlist.probes", "Probes this agent started in the LAN pool."),
		probesFailed:  r.Total("memberlist.probes_failed", "Probes that ended without an ack, direct or indirect."),
		suspicions:    r.Total("memberlist.suspicions", "Members this agent began to suspect."),
		udpSent:       r.Total("memberlist.udp.sent", "Bytes of gossip datagrams sent."),
		udpReceived:   r.Total("memberlist.udp.received", "Bytes of gossip datagrams received."),
		tcpSent:       r.Total("memberlist.tcp.sent", "Bytes of gossip stream payloads sent (push-pulls, fallback pings)."),
		decodeFailure: r.Total("memberlist.decode_failures", "Gossip messages dropped because they did not decrypt or decode."),
	}
}

// record copies the pool's state into the metrics.
func (g gossipMeters) record(p pool) {
	if p.node == nil {
		return
	}
	recordMembers(g.members, p)
	stats := p.node.Member().Stats()
	g.probes.Set(float64(stats.ProbesSent))
	g.probesFailed.Set(float64(stats.ProbesFailed))
	g.suspicions.Set(float64(stats.SuspicionsRaised))
	g.udpSent.Set(float64(stats.BytesSent))
	g.udpReceived.Set(float64(stats.BytesReceived))
	g.tcpSent.Set(float64(p.node.StreamBytesSent()))
	g.decodeFailure.Set(float64(stats.DecodeFailures + stats.DecryptFailures))
}

// recordMembers sets gauge, labelled by state, to the number of the pool's
// members in each state; every state has a series, zero included.
func recordMembers(gauge *metrics.Gauge, p pool) {
	var byState [swim.StateLeft + 1]int
	for _, m := range p.Members() {
		if m.State <= swim.StateLeft {
			byState[m.State]++
		}
	}
	for st := swim.StateAlive; st <= swim.StateLeft; st++ {
		gauge.Set(float64(byState[st]), st.String())
	}
}

// raftMeters are a server's Raft state and log figures. The names of the
// gauges and totals are those cairn has always exposed (cairn-bench reads
// consul_raft_term and the raft_wal totals).
type raftMeters struct {
	isLeader     *metrics.Gauge
	term         *metrics.Gauge
	commitIndex  *metrics.Gauge
	appliedIndex *metrics.Gauge
	lastIndex    *metrics.Gauge
	walSyncs     *metrics.Total
	walEntries   *metrics.Total
	walBytes     *metrics.Total
	snapshots    *metrics.Total
	installed    *metrics.Total
}

// newRaftMeters registers the Raft state metrics in r.
func newRaftMeters(r *metrics.Registry) raftMeters {
	return raftMeters{
		isLeader:     r.Gauge("server.isLeader", "1 if this server leads its datacenter's Raft group."),
		term:         r.Gauge("raft.term", "The current Raft term."),
		commitIndex:  r.Gauge("raft.commitIndex", "The highest log index known committed."),
		appliedIndex: r.Gauge("raft.appliedIndex", "The highest log index applied to the catalog."),
		lastIndex:    r.Gauge("raft.lastIndex", "The last index of the local log."),
		walSyncs:     r.Total("raft.wal.syncs_total", "fsyncs of the Raft log since start."),
		walEntries:   r.Total("raft.wal.entries_total", "Entries appended to the Raft log since start."),
		walBytes:     r.Total("raft.wal.bytes_total", "Bytes of records appended to the Raft log since start."),
		snapshots:    r.Total("raft.snapshot.create", "Snapshots this server took of the catalog."),
		installed:    r.Total("raft.snapshot.installed", "Snapshots installed from a leader."),
	}
}

// record copies the Raft core's status and the driver's and log's totals.
func (m raftMeters) record(st raft.Status, s *Server) {
	m.isLeader.Set(boolFloat(st.Role == raft.Leader))
	m.term.Set(float64(st.HardState.Term))
	m.commitIndex.Set(float64(st.HardState.Commit))
	m.appliedIndex.Set(float64(st.Applied))
	m.lastIndex.Set(float64(st.LastIndex))
	ds, ws := s.RaftStats()
	m.walSyncs.Set(float64(ws.Syncs))
	m.walEntries.Set(float64(ws.EntriesAppended))
	m.walBytes.Set(float64(ws.BytesAppended))
	m.snapshots.Set(float64(ds.Snapshots))
	m.installed.Set(float64(ds.Installed))
}

// catalogMeters are the sizes of the replicated catalog, as a server sees
// it: Consul's state gauges, plus checks.
type catalogMeters struct {
	nodes     *metrics.Gauge
	services  *metrics.Gauge
	instances *metrics.Gauge
	checks    *metrics.Gauge
	kvEntries *metrics.Gauge
}

// newCatalogMeters registers the catalog size metrics in r.
func newCatalogMeters(r *metrics.Registry) catalogMeters {
	return catalogMeters{
		nodes:     r.Gauge("state.nodes", "Nodes in the catalog."),
		services:  r.Gauge("state.services", "Distinct service names in the catalog."),
		instances: r.Gauge("state.service_instances", "Service instances in the catalog."),
		checks:    r.Gauge("state.checks", "Health checks in the catalog."),
		kvEntries: r.Gauge("state.kv_entries", "Keys in the KV store."),
	}
}

// record counts the catalog's rows. The reads are unfiltered, so they
// cannot fail; an error would only come from a filter expression.
func (m catalogMeters) record(c *catalog.State) {
	_, nodes, _ := c.ListNodes(nil, catalog.Query{})
	m.nodes.Set(float64(len(nodes)))
	_, services, _ := c.ListServices(nil, catalog.Query{})
	m.services.Set(float64(len(services)))
	instances := 0
	for name := range services {
		_, sn, _ := c.ServiceNodes(nil, name, catalog.Query{})
		instances += len(sn)
	}
	m.instances.Set(float64(instances))
	_, checks, _ := c.ChecksInState(nil, catalog.HealthAny, catalog.Query{})
	m.checks.Set(float64(len(checks)))
	_, keys := c.KVKeys(nil, "", "")
	m.kvEntries.Set(float64(len(keys)))
}

// boolFloat is 1 for true and 0 for false.
func boolFloat(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
