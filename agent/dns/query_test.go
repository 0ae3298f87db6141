package dns

import (
	"sync"
	"testing"
	"time"

	"github.com/cairn-sd/cairn/catalog"
	mdns "github.com/miekg/dns"
	"github.com/stretchr/testify/require"
)

// queryCatalog is a Source that also executes prepared queries from a
// fixed table of answers.
type queryCatalog struct {
	Source
	answers map[string]*QueryAnswer

	mu    sync.Mutex // the server's goroutines call ExecuteQuery
	asked []string
}

func (q *queryCatalog) ExecuteQuery(name string) (*QueryAnswer, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.asked = append(q.asked, name)
	return q.answers[name], nil
}

func queryRow(node, addr string, port int, tags ...string) *catalog.CheckServiceNode {
	return &catalog.CheckServiceNode{
		Node:    &catalog.Node{Node: node, Address: addr},
		Service: &catalog.Service{ID: "db", Service: "db", Port: port, Tags: tags},
	}
}

func TestQueryNamesAnswerFromTheQueryExecution(t *testing.T) {
	c := newTestCatalog(t)
	qc := &queryCatalog{Source: c.source(), answers: map[string]*QueryAnswer{
		"geo-db": {Nodes: []*catalog.CheckServiceNode{queryRow("db-1", "10.1.0.1", 5432, "primary"), queryRow("db-2", "10.1.0.2", 5433)},
			Datacenter: "dc2", TTL: 30 * time.Second, HasTTL: true},
		"empty": {Datacenter: "dc1"},
	}}
	s := New(testConfig(), qc)
	listen(t, s)

	resp := exchange(t, s, "udp", "geo-db.query.consul.", mdns.TypeA)
	require.Equal(t, mdns.RcodeSuccess, resp.Rcode)
	require.Equal(t, []string{"10.1.0.1", "10.1.0.2"}, answerStrings(resp.Answer), "in the execution's order")
	require.Equal(t, uint32(30), resp.Answer[0].Header().Ttl, "the query's DNS TTL")

	resp = exchange(t, s, "tcp", "geo-db.query.consul.", mdns.TypeSRV)
	require.Equal(t, []string{"5432 db-1.node.dc2.consul.", "5433 db-2.node.dc2.consul."}, answerStrings(resp.Answer),
		"targets name the datacenter the instances were found in")
	require.Equal(t, []string{"10.1.0.1", "10.1.0.2"}, answerStrings(resp.Extra))

	resp = exchange(t, s, "udp", "_geo-db._primary.query.consul.", mdns.TypeSRV)
	require.Equal(t, []string{"5432 db-1.node.dc2.consul."}, answerStrings(resp.Answer), "the RFC 2782 tag filters")
	resp = exchange(t, s, "udp", "_geo-db._tcp.query.consul.", mdns.TypeSRV)
	require.Len(t, resp.Answer, 2, "_tcp does not filter")

	for _, name := range []string{"empty.query.consul.", "missing.query.consul.", "a.b.query.consul."} {
		resp = exchange(t, s, "udp", name, mdns.TypeA)
		require.Equal(t, mdns.RcodeNameError, resp.Rcode, name)
		require.Len(t, resp.Ns, 1, "%s carries the SOA", name)
	}
	qc.mu.Lock()
	defer qc.mu.Unlock()
	require.Equal(t, []string{"geo-db", "geo-db", "geo-db", "geo-db", "empty", "missing"}, qc.asked)
}

func TestQueryForAnotherDatacenterRunsThere(t *testing.T) {
	local := &queryCatalog{Source: newTestCatalog(t).source()}
	remote := &queryCatalog{Source: newTestCatalog(t).source(), answers: map[string]*QueryAnswer{
		"db": {Nodes: []*catalog.CheckServiceNode{queryRow("db-9", "10.2.0.9", 5432)}},
	}}
	cfg := testConfig()
	cfg.Remote = func(dc string) Source {
		require.Equal(t, "dc2", dc)
		return remote
	}
	s := New(cfg, local)
	resp := exchangeDirect(s, "db.query.dc2.consul.", mdns.TypeSRV)
	require.Equal(t, []string{"5432 db-9.node.dc2.consul."}, answerStrings(resp.Answer),
		"without a datacenter in the answer, the one asked")
	require.Empty(t, local.asked)
	require.Equal(t, mdns.RcodeNameError, exchangeDirect(New(testConfig(), c0(t)), "db.query.consul.", mdns.TypeA).Rcode,
		"a Source that runs no queries answers none")
}

// exchangeDirect asks s without a socket.
func exchangeDirect(s *Server, name string, qtype uint16) *mdns.Msg {
	m := new(mdns.Msg)
	m.SetQuestion(name, qtype)
	return s.Answer(m, "tcp")
}

// c0 is an empty plain Source.
func c0(t *testing.T) Source { return newTestCatalog(t).source() }
