package netsim_test

import (
	"encoding/binary"
	"fmt"
	"time"

	"github.com/cairn-sd/cairn/netsim"
)

// Ports of the example node.
const (
	pingPort   = 7000
	streamPort = 7001
)

// pingNode is a tiny node used by the tests and the benchmark. Every
// interval (with jitter) it pings a random peer over a datagram and the
// peer answers with a pong; it keeps one stream open to its successor in
// the peer list, sends a numbered message on it at each tick, closes it
// every 50 ticks, and redials when the stream ends; and it appends each pong to a log file, syncing
// every few writes.
type pingNode struct {
	env      netsim.Env
	peers    []string
	addrs    []netsim.Addr // the peers' ping addresses
	interval time.Duration
	tickFn   func() // n.tick, bound once rather than at every tick
	conn     netsim.PacketConn
	out      netsim.Stream
	log      netsim.File
	seq      uint64
	buf      []byte // reused to encode stream messages (Send copies)
	pongs    int
	// lastSeq is the last sequence number received on each inbound
	// stream; outOfOrder counts messages that did not follow it.
	lastSeq    map[netsim.Stream]uint64
	received   int
	outOfOrder int
}

// bootPing returns a boot function for a pingNode among peers.
func bootPing(peers []string, interval time.Duration, nodes map[string]*pingNode) func(netsim.Env) {
	addrs := make([]netsim.Addr, len(peers))
	for i, p := range peers {
		addrs[i] = fmt.Sprintf("%s:%d", p, pingPort)
	}
	return func(env netsim.Env) {
		n := &pingNode{env: env, peers: peers, addrs: addrs, interval: interval,
			lastSeq: make(map[netsim.Stream]uint64)}
		if nodes != nil {
			nodes[env.Host()] = n
		}
		n.start()
	}
}

func (n *pingNode) start() {
	conn, err := n.env.Net().ListenPacket(pingPort, n.handlePacket)
	if err != nil {
		panic(err)
	}
	n.conn = conn
	if _, err := n.env.Net().Listen(streamPort, func(netsim.Stream) netsim.StreamHandler { return n }); err != nil {
		panic(err)
	}
	if n.log, err = n.env.Disk().Create("pongs.log"); err != nil {
		panic(err)
	}
	if err := n.env.Disk().SyncDir("."); err != nil {
		panic(err)
	}
	n.tickFn = n.tick
	n.dial()
	n.schedule()
}

func (n *pingNode) schedule() {
	jitter := time.Duration(n.env.Rand().Int64N(int64(n.interval)))
	n.env.AfterFunc(n.interval/2+jitter, n.tickFn)
}

func (n *pingNode) tick() {
	i := n.env.Rand().IntN(len(n.peers))
	if n.peers[i] != n.env.Host() {
		_ = n.conn.WriteTo([]byte("ping"), n.addrs[i])
	}
	n.seq++
	if n.out != nil {
		n.buf = binary.BigEndian.AppendUint64(n.buf[:0], n.seq)
		_ = n.out.Send(n.buf)
		if n.seq%50 == 0 {
			_ = n.out.Close() // HandleClose redials
		}
	}
	n.schedule()
}

func (n *pingNode) successor() string {
	for i, p := range n.peers {
		if p == n.env.Host() {
			return n.peers[(i+1)%len(n.peers)]
		}
	}
	return n.peers[0]
}

func (n *pingNode) dial() {
	n.out = n.env.Net().Dial(fmt.Sprintf("%s:%d", n.successor(), streamPort), n)
}

func (n *pingNode) handlePacket(from netsim.Addr, payload []byte) {
	switch string(payload) {
	case "ping":
		_ = n.conn.WriteTo([]byte("pong"), from)
	case "pong":
		n.pongs++
		_, _ = n.log.Write([]byte(from + "\n"))
		if n.pongs%4 == 0 {
			_ = n.log.Sync()
		}
		if n.log.Size() > 4096 {
			_ = n.log.Truncate(0) // rotate, to keep memory flat
		}
	}
}

func (n *pingNode) HandleMessage(s netsim.Stream, msg []byte) {
	seq := binary.BigEndian.Uint64(msg)
	if seq <= n.lastSeq[s] {
		n.outOfOrder++
	}
	n.lastSeq[s] = seq
	n.received++
}

func (n *pingNode) HandleClose(s netsim.Stream, _ error) {
	delete(n.lastSeq, s)
	if s == n.out {
		n.out = nil
		n.env.AfterFunc(n.interval, n.dial)
	}
}

// hostNames returns n host names h0, h1, ...
func hostNames(n int) []string {
	names := make([]string, n)
	for i := range names {
		names[i] = fmt.Sprintf("h%d", i)
	}
	return names
}

// Example runs three ping nodes in two zones for a few virtual seconds,
// with one host isolated for a while, and prints what one of them saw.
func Example() {
	sim := netsim.New(1, netsim.Options{})
	names := hostNames(3)
	nodes := make(map[string]*pingNode)
	for i, name := range names {
		zone := "dc1"
		if i == 2 {
			zone = "dc2"
		}
		sim.AddHost(name, zone, bootPing(names, 100*time.Millisecond, nodes))
	}
	sim.At(time.Second, func() { sim.Isolate("h2") })
	sim.At(2*time.Second, sim.Heal)
	sim.RunFor(5 * time.Second)
	fmt.Println("h0 got pongs:", nodes["h0"].pongs > 0)
	fmt.Println("virtual time:", sim.Now())
	// Output:
	// h0 got pongs: true
	// virtual time: 5s
}
