package netsim

import (
	"errors"
	"io"
	"math/rand/v2"
	"time"

	"go.uber.org/zap"
)

// Addr is a "host:port" address, as in net.JoinHostPort. Simulated hosts have
// names chosen by the test; real hosts have IP addresses.
type Addr = string

// MaxDatagramBytes is the largest payload a PacketConn carries.
const MaxDatagramBytes = 64 << 10

// MaxMessageBytes is the largest message a Stream carries.
const MaxMessageBytes = 64 << 20

// Errors an Env reports to its node.
var (
	// ErrClosed is returned by operations on a closed conn, stream or file.
	ErrClosed = errors.New("netsim: use of closed connection")
	// ErrUnreachable ends a stream whose peer cannot be reached (no listener,
	// host down, or a partition between them).
	ErrUnreachable = errors.New("netsim: peer unreachable")
	// ErrBroken ends a stream that was cut by a crash or partition.
	ErrBroken = errors.New("netsim: stream broken")
	// ErrTooLarge is returned when a payload exceeds the transport's limit.
	ErrTooLarge = errors.New("netsim: payload too large")
	// ErrPortInUse is returned by Listen and ListenPacket for a taken port.
	ErrPortInUse = errors.New("netsim: port in use")
	// ErrNotExist is returned by Disk operations on a missing name.
	ErrNotExist = errors.New("netsim: file does not exist")
)

// Env is the world as one node sees it. See the package documentation for
// the contract between a node and its Env.
type Env interface {
	// Host is this node's host name (simulator) or IP address (real world).
	Host() string
	// Now is the node's local clock.
	Now() time.Time
	// AfterFunc calls f once, after d has passed on the node's local clock.
	AfterFunc(d time.Duration, f func()) Timer
	// Rand is the node's seeded random stream for jitter and choices.
	Rand() *rand.Rand
	// Entropy is the source for secrets and IDs.
	Entropy() io.Reader
	// Logger is the node's logger; in the simulator it stamps virtual time.
	Logger() *zap.Logger
	// Net is the node's network.
	Net() Network
	// Disk is the node's disk.
	Disk() Disk
	// Background runs work beside the node, which goes on handling events
	// meanwhile, then calls done with work's error on the node's loop.
	// work may touch only what no event touches until done: files of its
	// own and data the loop no longer changes. The simulator runs work at
	// once and calls done as an event of its own, which a crash before it
	// drops.
	Background(work func() error, done func(error))
}

// Timer is a pending AfterFunc call.
type Timer interface {
	// Stop prevents the call if it has not happened yet and reports whether
	// it did so.
	Stop() bool
}

// Network opens datagram sockets, listeners and outgoing streams. Port 0
// asks for any free port; the chosen address is reported by LocalAddr/Addr.
type Network interface {
	// ListenPacket binds a datagram socket; h is called for each datagram.
	ListenPacket(port int, h PacketHandler) (PacketConn, error)
	// Listen accepts streams; accept is called with each new stream and
	// returns the handler for its events.
	Listen(port int, accept func(Stream) StreamHandler) (Listener, error)
	// Dial opens a stream to addr. It returns at once: messages sent before
	// the connection is up are queued, and a failure to connect arrives as
	// h.HandleClose(ErrUnreachable).
	Dial(addr Addr, h StreamHandler) Stream
}

// PacketHandler receives one datagram. The slice is the handler's to keep.
type PacketHandler func(from Addr, payload []byte)

// PacketConn is a bound datagram socket.
type PacketConn interface {
	LocalAddr() Addr
	// WriteTo sends one datagram. Delivery is not guaranteed.
	WriteTo(payload []byte, to Addr) error
	Close() error
}

// Listener is a bound stream listener.
type Listener interface {
	Addr() Addr
	Close() error
}

// Stream is one end of an ordered, reliable message stream.
type Stream interface {
	LocalAddr() Addr
	RemoteAddr() Addr
	// Send queues one message. It fails once the stream is closed or broken;
	// success means queued, not delivered.
	Send(msg []byte) error
	// Close closes the stream; the peer sees HandleClose(ErrBroken) and this
	// end sees HandleClose(ErrClosed).
	Close() error
}

// StreamHandler receives the events of one stream.
type StreamHandler interface {
	// HandleMessage receives one message. The slice is the handler's to keep.
	HandleMessage(s Stream, msg []byte)
	// HandleClose is called once when the stream ends, with the reason.
	HandleClose(s Stream, err error)
}

// Disk is a node's file system. Names are slash-separated paths relative to
// the node's data directory.
type Disk interface {
	// Create creates or truncates a file and opens it for appending.
	Create(name string) (File, error)
	// Open opens an existing file for reading and appending.
	Open(name string) (File, error)
	// ReadFile returns the whole content of a file.
	ReadFile(name string) ([]byte, error)
	// Rename replaces newname with oldname.
	Rename(oldname, newname string) error
	// Remove deletes a file.
	Remove(name string) error
	// ReadDir lists the names in a directory, sorted.
	ReadDir(dir string) ([]string, error)
	// MkdirAll creates a directory and its parents.
	MkdirAll(dir string) error
	// SyncDir makes the directory's entries (creations, renames, removals)
	// durable.
	SyncDir(dir string) error
}

// File is an open file. Writes append at the end.
type File interface {
	io.Writer
	io.ReaderAt
	// Size is the file's current length, synced or not.
	Size() int64
	// Truncate cuts the file to size bytes.
	Truncate(size int64) error
	// Sync makes every write so far durable.
	Sync() error
	// SyncAsync makes every write so far durable without making the node
	// wait: the fsync runs beside the node, which goes on handling events,
	// and done is called on the node's loop once it has ended, never
	// before SyncAsync returns. Writes made meanwhile are not covered. A
	// crash before done is called may lose what it covers.
	SyncAsync(done func(error))
	Close() error
}
