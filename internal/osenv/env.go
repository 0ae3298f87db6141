package osenv

import (
	crand "crypto/rand"
	"encoding/binary"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"sync"
	"time"

	"go.uber.org/zap"

	"github.com/cairn-sd/cairn/netsim"
)

// Env is a netsim.Env over the operating system. Create it with New, start
// its loop with Run, and hand work to it from other goroutines with Do.
type Env struct {
	host   string
	logger *zap.Logger
	disk   *Disk
	rng    *rand.Rand
	loop   *loop
	net    *network
	tls    *TLS

	closeOnce sync.Once
	// background counts the Background work still running.
	background sync.WaitGroup
}

// Config says where an Env lives.
type Config struct {
	// Host is the IP address sockets bind to, e.g. "127.0.0.1".
	Host string
	// DataDir is the root of the Env's Disk.
	DataDir string
	// Logger is the node's logger; nil means no logging.
	Logger *zap.Logger
	// TLS, when set, wraps RPC and Raft streams in TLS (tls.go).
	TLS *TLS
}

// New creates an Env. Its loop does not run until Run is called.
func New(cfg Config) (*Env, error) {
	if net.ParseIP(cfg.Host) == nil {
		return nil, fmt.Errorf("osenv: host %q is not an IP address", cfg.Host)
	}
	disk, err := NewDisk(cfg.DataDir)
	if err != nil {
		return nil, err
	}
	var seed [32]byte
	if _, err := io.ReadFull(crand.Reader, seed[:]); err != nil {
		return nil, fmt.Errorf("osenv: seed random source: %w", err)
	}
	logger := cfg.Logger
	if logger == nil {
		logger = zap.NewNop()
	}
	e := &Env{
		host:   cfg.Host,
		logger: logger,
		disk:   disk,
		rng:    rand.New(rand.NewChaCha8(seed)),
		loop:   newLoop(),
		tls:    cfg.TLS,
	}
	e.net = newNetwork(e)
	disk.post = e.loop.post
	return e, nil
}

// Run runs the event loop until Close; call it on its own goroutine.
func (e *Env) Run() { e.loop.run() }

// Do runs f on the loop and waits for it to finish. It reports false if the
// Env is closed, in which case f did not run.
func (e *Env) Do(f func()) bool {
	done := make(chan struct{})
	if !e.loop.post(func() { defer close(done); f() }) {
		return false
	}
	select {
	case <-done:
		return true
	case <-e.loop.done:
		return false
	}
}

// Post runs f on the loop without waiting. It reports false if the Env is
// closed.
func (e *Env) Post(f func()) bool { return e.loop.post(f) }

// Background runs work on a goroutine of its own and posts done to the
// loop; done is dropped if the Env has closed by then.
func (e *Env) Background(work func() error, done func(error)) {
	e.background.Add(1)
	go func() {
		defer e.background.Done()
		err := work()
		e.loop.post(func() { done(err) })
	}()
}

// Close stops the loop, closes every socket the Env opened and waits for
// the work running in the background. Streams end without their handlers
// being called, as at a crash.
func (e *Env) Close() {
	e.closeOnce.Do(func() {
		e.loop.stop()
		<-e.loop.done
		e.net.closeAll()
		e.background.Wait()
	})
}

// Host is the IP address the Env binds to.
func (e *Env) Host() string { return e.host }

// Now is the wall clock.
func (e *Env) Now() time.Time { return time.Now() }

// AfterFunc runs f on the loop after d.
func (e *Env) AfterFunc(d time.Duration, f func()) netsim.Timer {
	return e.loop.afterFunc(d, f)
}

// Rand is a ChaCha8 stream seeded from crypto/rand at start.
func (e *Env) Rand() *rand.Rand { return e.rng }

// Entropy is crypto/rand.
func (e *Env) Entropy() io.Reader { return crand.Reader }

// Logger is the node's logger.
func (e *Env) Logger() *zap.Logger { return e.logger }

// Net is the node's network.
func (e *Env) Net() netsim.Network { return e.net }

// Disk is the node's data directory.
func (e *Env) Disk() netsim.Disk { return e.disk }

// frameLen is the size of a stream message's length prefix.
const frameLen = 4

func putFrameLen(b []byte, n int) { binary.BigEndian.PutUint32(b, uint32(n)) }
