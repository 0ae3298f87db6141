package driver

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/cairn-sd/cairn/netsim"
	"github.com/cairn-sd/cairn/swim"
	"go.uber.org/zap"
)

// DefaultStreamTimeout bounds a stream exchange whose peer neither answers
// nor breaks the stream.
const DefaultStreamTimeout = 10 * time.Second

// Config configures a driven member.
type Config struct {
	// Swim is the member's configuration. Addr may be left empty: the
	// driver fills it with the host and the bound port. Rand, Entropy and
	// Logger default to the Env's; Keyring is set by the driver.
	Swim swim.Config
	// Port is the UDP and stream port (serf_lan or serf_wan); 0 picks one.
	Port int
	// AdvertiseHost, if set, is the host other members reach this node at
	// (advertise_addr, advertise_addr_wan), with the bound port; empty
	// means the Env's host.
	AdvertiseHost string
	// KeyringFile is the keyring's name on the Env's disk, e.g.
	// "serf/local.keyring". Empty means the keyring is not persisted.
	KeyringFile string
	// EncryptKey is the base64 `encrypt` key, used when no keyring file
	// exists yet. Empty with no keyring file means no encryption.
	EncryptKey string
	// StreamTimeout bounds each outgoing stream exchange; zero means
	// DefaultStreamTimeout.
	StreamTimeout time.Duration
	// RetryJoin lists host:port addresses of pool members (Consul's
	// retry_join). Start joins through them and retries every
	// RetryJoinInterval until the node knows another alive member. The list
	// may hold the node's own address. Empty means no automatic join.
	RetryJoin []string
	// RetryJoinInterval is the pause between join attempts; zero means
	// DefaultRetryJoinInterval.
	RetryJoinInterval time.Duration
	// OnEvent, if set, receives each membership event.
	OnEvent func(swim.Event)
	// OnUserEvent, if set, receives each user event.
	OnUserEvent func(swim.UserEvent)
}

// ErrStopped is returned by operations on a stopped node.
var ErrStopped = errors.New("swim/driver: node stopped")

// Node is a swim.Member bound to an Env.
type Node struct {
	env      netsim.Env
	cfg      Config
	start    time.Time
	member   *swim.Member
	keyring  *swim.Keyring
	conn     netsim.PacketConn
	listener netsim.Listener
	timer    netsim.Timer
	armedAt  time.Duration
	armed    bool
	stopped  bool
	log      *zap.Logger

	// retryTimer is the pending retry-join attempt, nil when not retrying.
	retryTimer   netsim.Timer
	joinAttempts int

	streamBytesSent uint64

	// keyQueries maps the keyring queries this node started to their
	// callers (keyquery.go).
	keyQueries map[uint32]func(KeyringResult, error)
}

// Start binds the node's port, loads or creates its keyring, and starts the
// member. With a RetryJoin list it makes its first join attempt at once;
// otherwise it joins nobody until Join is called.
func Start(env netsim.Env, cfg Config) (*Node, error) {
	n := &Node{env: env, cfg: cfg, start: env.Now(), log: env.Logger()}
	if n.cfg.StreamTimeout <= 0 {
		n.cfg.StreamTimeout = DefaultStreamTimeout
	}
	if n.cfg.RetryJoinInterval <= 0 {
		n.cfg.RetryJoinInterval = DefaultRetryJoinInterval
	}
	if err := n.loadKeyring(); err != nil {
		return nil, err
	}
	port, err := n.bind(cfg.Port)
	if err != nil {
		return nil, err
	}
	if err := n.startMember(port); err != nil {
		n.conn.Close()
		n.listener.Close()
		return nil, err
	}
	n.pump()
	if len(n.cfg.RetryJoin) > 0 {
		n.retryJoin()
	}
	return n, nil
}

// bindAttempts bounds the retries of bind when the port is chosen by the
// system: the UDP port it picks may be taken for TCP by another process.
const bindAttempts = 8

// bind listens for packets and streams on the same port and returns it.
// With port 0 the system picks the UDP port and bind retries with another
// pick when that port is not free for TCP.
func (n *Node) bind(port int) (int, error) {
	var err error
	for range bindAttempts {
		var bound int
		bound, err = n.bindOnce(port)
		if err == nil || port != 0 {
			return bound, err
		}
	}
	return 0, err
}

// bindOnce is one attempt of bind.
func (n *Node) bindOnce(port int) (int, error) {
	conn, err := n.env.Net().ListenPacket(port, n.handlePacket)
	if err != nil {
		return 0, fmt.Errorf("swim/driver: listen on port %d: %w", port, err)
	}
	bound, err := portOf(conn.LocalAddr())
	if err != nil {
		conn.Close()
		return 0, err
	}
	listener, err := n.env.Net().Listen(bound, n.accept)
	if err != nil {
		conn.Close()
		return 0, fmt.Errorf("swim/driver: listen for streams on port %d: %w", bound, err)
	}
	n.conn, n.listener = conn, listener
	return bound, nil
}

func (n *Node) startMember(port int) error {
	sc := n.cfg.Swim
	if sc.Addr == "" {
		host := n.env.Host()
		if n.cfg.AdvertiseHost != "" {
			host = n.cfg.AdvertiseHost
		}
		sc.Addr = joinHostPort(host, port)
	}
	if sc.Rand == nil {
		sc.Rand = n.env.Rand()
	}
	if sc.Entropy == nil {
		sc.Entropy = n.env.Entropy()
	}
	if sc.Logger == nil {
		sc.Logger = n.log
	}
	sc.Keyring = n.keyring
	m, err := swim.New(sc, n.now())
	if err != nil {
		return fmt.Errorf("swim/driver: start member: %w", err)
	}
	n.member = m
	return nil
}

// portOf returns the port of a "host:port" address.
func portOf(addr string) (int, error) {
	i := strings.LastIndexByte(addr, ':')
	port, err := strconv.Atoi(addr[i+1:])
	if i < 0 || err != nil {
		return 0, fmt.Errorf("swim/driver: bad local address %q", addr)
	}
	return port, nil
}

// joinHostPort formats an address as net.JoinHostPort does, without the net
// package (not allowed in swim/).
func joinHostPort(host string, port int) string {
	if strings.IndexByte(host, ':') >= 0 {
		return "[" + host + "]:" + strconv.Itoa(port)
	}
	return host + ":" + strconv.Itoa(port)
}

// now is the member's clock: time since the node started.
func (n *Node) now() time.Duration { return n.env.Now().Sub(n.start) }

// Member returns the driven member, for reads (Members, Node, Stats,
// DistanceTo). Calls that change it should go through the Node so that its
// outputs are sent.
func (n *Node) Member() *swim.Member { return n.member }

// Addr is the member's advertised address.
func (n *Node) Addr() string { return n.conn.LocalAddr() }

// Join starts push-pull exchanges with addrs.
func (n *Node) Join(addrs []string) error {
	if n.stopped {
		return ErrStopped
	}
	n.member.Join(n.now(), addrs)
	n.pump()
	return nil
}

// Leave broadcasts a graceful leave. Keep the node running a few gossip
// intervals afterwards, then Stop it.
func (n *Node) Leave() error {
	if n.stopped {
		return ErrStopped
	}
	n.member.Leave(n.now())
	n.pump()
	return nil
}

// ForceLeave marks a failed member as left and gossips it (see
// swim.Member.ForceLeave).
func (n *Node) ForceLeave(name string, prune bool) error {
	if n.stopped {
		return ErrStopped
	}
	err := n.member.ForceLeave(n.now(), name, prune)
	n.pump()
	return err
}

// UserEvent broadcasts an application event.
func (n *Node) UserEvent(name string, payload []byte) error {
	if n.stopped {
		return ErrStopped
	}
	if err := n.member.UserEvent(n.now(), name, payload); err != nil {
		return err
	}
	n.pump()
	return nil
}

// SetTags replaces the member's tags and gossips them.
func (n *Node) SetTags(tags swim.Tags) error {
	if n.stopped {
		return ErrStopped
	}
	if err := n.member.SetTags(n.now(), tags); err != nil {
		return err
	}
	n.pump()
	return nil
}

// Stop closes the sockets and the timer; the node stays silent from then on.
func (n *Node) Stop() {
	if n.stopped {
		return
	}
	n.stopped = true
	if n.timer != nil {
		n.timer.Stop()
	}
	if n.retryTimer != nil {
		n.retryTimer.Stop()
		n.retryTimer = nil
	}
	n.conn.Close()
	n.listener.Close()
	n.failKeyQueries(ErrStopped)
}

func (n *Node) handlePacket(from netsim.Addr, payload []byte) {
	if n.stopped {
		return
	}
	n.member.Step(n.now(), from, payload)
	n.pump()
}

// pump drains the member's outputs and re-arms the timer.
func (n *Node) pump() {
	if n.stopped {
		return
	}
	r := n.member.Ready()
	if r.KeyringChanged {
		n.persistKeyring()
	}
	for _, p := range r.Packets {
		if err := n.conn.WriteTo(p.Payload, p.To); err != nil {
			n.log.Debug("swim/driver: send packet", zap.String("to", p.To), zap.Error(err))
		}
	}
	for _, s := range r.Streams {
		n.dial(s)
	}
	if n.cfg.OnEvent != nil {
		for _, e := range r.Events {
			n.cfg.OnEvent(e)
		}
	}
	if n.cfg.OnUserEvent != nil {
		for _, e := range r.UserEvents {
			n.cfg.OnUserEvent(e)
		}
	}
	n.checkJoined()
	n.arm()
	n.deliverKeyQueries(r.KeyQueries)
}

// arm sets the single timer to the member's next deadline. A timer already
// set earlier is kept: firing early costs one idle Tick, while re-creating
// the timer after every packet would cost far more.
func (n *Node) arm() {
	deadline := n.member.NextDeadline()
	if n.armed && n.armedAt <= deadline {
		return
	}
	if n.timer != nil {
		n.timer.Stop()
	}
	n.armed, n.armedAt = true, deadline
	n.timer = n.env.AfterFunc(max(0, deadline-n.now()), n.fire)
}

func (n *Node) fire() {
	n.armed = false
	if n.stopped {
		return
	}
	n.member.Tick(n.now())
	n.pump()
}
