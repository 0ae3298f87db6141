package raft

import (
	"fmt"
	"math/rand/v2"
	"time"

	"go.uber.org/zap"
)

// Default timing and flow-control settings. The driver calls Tick every
// DefaultTickInterval of its own time, multiplied by Consul's
// performance.raft_multiplier.
const (
	// DefaultTickInterval is the driver time between two calls to Tick.
	DefaultTickInterval = 50 * time.Millisecond
	// DefaultHeartbeatTicks makes a leader send heartbeats every 2 ticks
	// (100 ms at the default tick).
	DefaultHeartbeatTicks = 2
	// DefaultElectionTicks is the base election timeout: 10 ticks (500 ms).
	// Each server draws its actual timeout from [10, 20) ticks, so a
	// follower notices a dead leader after 500 ms to 1 s.
	DefaultElectionTicks = 10
	// DefaultMaxEntriesPerMsg caps the entries in one append message.
	DefaultMaxEntriesPerMsg = 512
	// DefaultMaxBytesPerMsg caps the entry payload bytes in one append
	// message; a single larger entry is still sent alone.
	DefaultMaxBytesPerMsg = 1 << 20
	// DefaultMaxInflightMsgs caps unacknowledged appends per follower.
	DefaultMaxInflightMsgs = 256
)

// Config is everything New needs: who this server is, what it recovered from
// disk, and its timing knobs. Timing is in ticks: the core has no clock.
type Config struct {
	// ID is this server's identity; it must not be empty.
	ID ServerID

	// HardState is the recovered term, vote and commit index (zero for a
	// fresh server).
	HardState HardState
	// Snapshot describes the last saved snapshot (zero if none). The
	// driver has already restored the StateMachine from it.
	Snapshot SnapshotMeta
	// Entries is the recovered log after the snapshot, in index order.
	// Entries at or below Snapshot.Index are ignored.
	Entries []Entry
	// Applied is the last index the StateMachine already reflects. Zero
	// means Snapshot.Index, which is right for a StateMachine rebuilt from
	// the snapshot at start.
	Applied uint64

	// ElectionTicks is the base election timeout; each election draws its
	// timeout from [ElectionTicks, 2*ElectionTicks). It must exceed
	// HeartbeatTicks.
	ElectionTicks int
	// HeartbeatTicks is the interval between a leader's heartbeats.
	HeartbeatTicks int

	// Rand is the seeded source for election jitter. Required.
	Rand *rand.Rand
	// Logger receives the core's rare log lines; nil means no logging.
	Logger *zap.Logger

	// MaxEntriesPerMsg caps the entries in one append message.
	MaxEntriesPerMsg int
	// MaxBytesPerMsg caps the payload bytes of entries in one append
	// message (at least one entry is always sent).
	MaxBytesPerMsg uint64
	// MaxInflightMsgs caps appends in flight to one follower while it is
	// being replicated to optimistically (pipelining).
	MaxInflightMsgs int

	// PreVote makes a server ask for votes in a trial round that changes
	// no term before a real election (thesis §9.6).
	PreVote bool
	// CheckQuorum makes a leader step down when it has not heard from a
	// quorum within an election timeout, and makes servers that heard from
	// a leader within the last election timeout ignore vote requests
	// (thesis §6.2 and §4.2.3).
	CheckQuorum bool
}

// DefaultConfig returns a Config for a fresh server with the default timing
// (see the constants above), pre-vote and check-quorum on.
func DefaultConfig(id ServerID, r *rand.Rand) Config {
	return Config{
		ID:               id,
		ElectionTicks:    DefaultElectionTicks,
		HeartbeatTicks:   DefaultHeartbeatTicks,
		Rand:             r,
		MaxEntriesPerMsg: DefaultMaxEntriesPerMsg,
		MaxBytesPerMsg:   DefaultMaxBytesPerMsg,
		MaxInflightMsgs:  DefaultMaxInflightMsgs,
		PreVote:          true,
		CheckQuorum:      true,
	}
}

// validate checks the knobs and the recovered state for consistency.
func (c *Config) validate() error {
	switch {
	case c.ID == "":
		return fmt.Errorf("%w: empty ID", ErrInvalidConfig)
	case c.Rand == nil:
		return fmt.Errorf("%w: nil Rand", ErrInvalidConfig)
	case c.HeartbeatTicks <= 0:
		return fmt.Errorf("%w: HeartbeatTicks %d must be positive", ErrInvalidConfig, c.HeartbeatTicks)
	case c.ElectionTicks <= c.HeartbeatTicks:
		return fmt.Errorf("%w: ElectionTicks %d must exceed HeartbeatTicks %d",
			ErrInvalidConfig, c.ElectionTicks, c.HeartbeatTicks)
	case c.MaxEntriesPerMsg <= 0 || c.MaxBytesPerMsg == 0 || c.MaxInflightMsgs <= 0:
		return fmt.Errorf("%w: message limits must be positive", ErrInvalidConfig)
	}
	return c.validateRecovered()
}

// validateRecovered checks that the recovered log is contiguous, that its
// terms never decrease, and that it agrees with the snapshot and hard state.
func (c *Config) validateRecovered() error {
	prev := c.Snapshot
	first := true
	for _, e := range c.Entries {
		if e.Index <= c.Snapshot.Index {
			if e.Index == c.Snapshot.Index && e.Term != c.Snapshot.Term {
				return fmt.Errorf("%w: entry %d has term %d, snapshot says %d",
					ErrInvalidConfig, e.Index, e.Term, c.Snapshot.Term)
			}
			continue
		}
		if (first && e.Index != c.Snapshot.Index+1) || (!first && e.Index != prev.Index+1) {
			return fmt.Errorf("%w: entry %d does not follow %d", ErrInvalidConfig, e.Index, prev.Index)
		}
		if e.Term == 0 || e.Term < prev.Term || e.Term > c.HardState.Term {
			return fmt.Errorf("%w: entry %d has term %d out of order", ErrInvalidConfig, e.Index, e.Term)
		}
		first = false
		prev = SnapshotMeta{Index: e.Index, Term: e.Term}
	}
	if c.HardState.Commit > prev.Index {
		return fmt.Errorf("%w: commit %d beyond last entry %d", ErrInvalidConfig, c.HardState.Commit, prev.Index)
	}
	if c.Applied > c.HardState.Commit && c.Applied > c.Snapshot.Index {
		return fmt.Errorf("%w: applied %d beyond commit %d", ErrInvalidConfig, c.Applied, c.HardState.Commit)
	}
	return nil
}
