package core

import (
	"github.com/cairn-sd/cairn/agent/metrics"
	"github.com/cairn-sd/cairn/raft"
)

// meters are every metric an agent records. A client fills only gossip
// and clientRPC; the other fields stay nil, and recording into them does
// nothing.
type meters struct {
	gossip  gossipMeters
	raft    raftMeters
	catalog catalogMeters
	// wanMembers counts a server's WAN pool by state.
	wanMembers *metrics.Gauge
	// leaderChanges counts the times this server saw the leader become
	// another server (the first leader it learns of included);
	// becameLeader the times it became the leader itself.
	leaderChanges *metrics.Counter
	becameLeader  *metrics.Counter
	// rpcCalls times the RPCs this server answered, by method and status.
	rpcCalls *metrics.Histogram
	// clientRPC times a client's requests to the servers, retries
	// included, by method and status.
	clientRPC *metrics.Histogram
	// walAppend and walFsync time the Raft log's writes and fsyncs of its
	// segment files (metrics_disk.go).
	walAppend *metrics.Histogram
	walFsync  *metrics.Histogram

	lead raft.ServerID // the leader seen at the last role check
	role raft.Role     // this server's role at the last role check
}

// newServerMeters registers a server's metrics in r (nil: none).
func newServerMeters(r *metrics.Registry) meters {
	return meters{
		gossip:  newGossipMeters(r),
		raft:    newRaftMeters(r),
		catalog: newCatalogMeters(r),
		wanMembers: r.Gauge("serf.wan.members",
			"Members of the WAN pool (the servers of every datacenter) as this server sees them, by state.", "state"),
		leaderChanges: r.Counter("raft.leader.changes",
			"Times this server saw the Raft leader change to another server."),
		becameLeader: r.Counter("raft.state.leader", "Times this server became the Raft leader."),
		rpcCalls: r.Histogram("rpc.server.call", "Time to answer an RPC, in seconds, by method and status (ok or error).",
			metrics.DefaultDurationBuckets, "method", "status"),
		walAppend: r.Histogram("raft.wal.append", "Time to write a batch of records to a Raft log segment, in seconds.",
			metrics.DefaultDurationBuckets),
		walFsync: r.Histogram("raft.wal.fsync", "Time to fsync a Raft log segment, in seconds.",
			metrics.DefaultDurationBuckets),
	}
}

// newClientMeters registers a client's metrics in r (nil: none).
func newClientMeters(r *metrics.Registry) meters {
	return meters{
		gossip: newGossipMeters(r),
		clientRPC: r.Histogram("client.rpc", "Time for a client's request to be answered by a server, retries included, in seconds, by method and status (ok or error).",
			metrics.DefaultDurationBuckets, "method", "status"),
	}
}

// startMetrics registers the server's metrics in its configured registry
// and has its RPC server report every call.
func (s *Server) startMetrics() {
	s.meters = newServerMeters(s.cfg.Metrics)
	if s.cfg.Metrics != nil {
		s.rpcServer.Observe(s.observeRPC)
	}
}

// observeRPC starts timing one call of method; the function it returns
// records the call's outcome.
func (s *Server) observeRPC(method string) func(error) {
	start := s.env.Now()
	return func(err error) {
		s.meters.rpcCalls.ObserveDuration(s.env.Now().Sub(start), method, outcome(err))
	}
}

// timeCall wraps the completion of a client's request to method so that
// it records how long the request took and how it ended.
func (c *Client) timeCall(method string, done func([]byte, error)) func([]byte, error) {
	if c.cfg.Metrics == nil {
		return done
	}
	start := c.env.Now()
	return func(resp []byte, err error) {
		c.meters.clientRPC.ObserveDuration(c.env.Now().Sub(start), method, outcome(err))
		done(resp, err)
	}
}

// outcome is the status label of a call: "ok" or "error".
func outcome(err error) string {
	if err != nil {
		return "error"
	}
	return "ok"
}

// observeRole counts leader changes from the status the periodic role
// check reads. A change and its reversal between two checks go unseen;
// the term gauge still shows that an election happened.
func (m *meters) observeRole(st raft.Status) {
	if st.Lead != "" && st.Lead != m.lead {
		m.leaderChanges.Inc()
		m.lead = st.Lead
	}
	if st.Role == raft.Leader && m.role != raft.Leader {
		m.becameLeader.Inc()
	}
	m.role = st.Role
}

// RecordFigures copies the server's state into its metrics: Raft's status
// and log totals, the catalog's sizes, the LAN pool and the WAN pool's
// members. The runtime calls
// it on the loop before each scrape.
func (s *Server) RecordFigures() {
	if s.cfg.Metrics == nil {
		return
	}
	s.meters.raft.record(s.raft.Status(), s)
	s.meters.catalog.record(s.fsm)
	s.meters.gossip.record(s.pool)
	if s.wan.node != nil {
		recordMembers(s.meters.wanMembers, s.wan)
	}
}

// RecordFigures copies the client's LAN pool figures into its metrics; the
// runtime calls it on the loop before each scrape.
func (c *Client) RecordFigures() { c.meters.gossip.record(c.pool) }
