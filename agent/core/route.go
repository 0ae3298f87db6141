package core

import (
	"errors"
	"slices"
	"time"

	"github.com/cairn-sd/cairn/agent/rpc"
	"github.com/cairn-sd/cairn/netsim"
	"github.com/cairn-sd/cairn/swim"
)

// A client's request goes to one server of its datacenter, found in the
// LAN pool. When that server cannot take it, the request moves on:
//
//   - a server that could not be reached never saw the request, so any
//     request moves to another server at once;
//   - a server that knows no leader (an election is under way) answers
//     ErrNoLeader; the request waits a moment and tries again;
//   - a read whose answer was lost (the stream broke, the call timed out)
//     is sent again; a write is not, since it may have been applied, and
//     the caller hears the error.
//
// All of this stops at the hold timeout (rpc_hold_timeout), after which
// the last error is the answer.

// ErrNoLeader is a server's answer while its datacenter has no leader;
// its text is Consul's.
var ErrNoLeader = errors.New("No cluster leader")

// retryPause is the wait before retrying when no server can take the
// request right now.
const retryPause = 250 * time.Millisecond

// route is one request travelling between servers.
type route struct {
	c        *Client
	method   string
	body     []byte
	timeout  time.Duration
	read     bool
	deadline time.Time
	tried    map[string]bool
	lastErr  error
	done     func([]byte, error)
}

// next sends the request to a server not yet tried, or pauses and starts
// over when every known server has been tried.
func (r *route) next() {
	if r.c.stopped {
		r.done(nil, ErrStopped)
		return
	}
	addr := r.c.pick(r.tried)
	if addr == "" {
		r.tried = map[string]bool{}
		r.retryLater(ErrNoServers)
		return
	}
	r.c.rpc.Call(addr, r.method, r.body, r.timeout, func(resp []byte, err error) {
		if err == nil {
			r.c.preferred = addr
			r.done(resp, nil)
			return
		}
		if r.c.preferred == addr {
			r.c.preferred = ""
		}
		r.tried[addr] = true
		switch {
		case errors.Is(err, netsim.ErrUnreachable):
			r.lastErr = err
			r.next()
		case isNoLeader(err):
			r.retryLater(err)
		case r.read && (errors.Is(err, rpc.ErrConnection) || errors.Is(err, rpc.ErrTimeout)):
			r.retryLater(err)
		default:
			r.done(nil, err)
		}
	})
}

// retryLater tries again after retryPause, unless that passes the hold
// timeout: then err (or an earlier, more telling error) is the answer.
func (r *route) retryLater(err error) {
	if r.lastErr == nil || !errors.Is(err, ErrNoServers) {
		r.lastErr = err
	}
	if r.c.env.Now().Add(retryPause).After(r.deadline) {
		r.done(nil, r.lastErr)
		return
	}
	r.c.env.AfterFunc(retryPause, r.next)
}

// isNoLeader reports whether a server answered ErrNoLeader.
func isNoLeader(err error) bool {
	var re *rpc.RemoteError
	return errors.As(err, &re) && re.Text == ErrNoLeader.Error()
}

// pick returns the preferred server if it is live and untried, else a
// random live untried server of the datacenter, else "".
func (c *Client) pick(tried map[string]bool) string {
	var live []string
	for _, m := range c.Members() {
		if m.State != swim.StateAlive {
			continue
		}
		if srv, ok := serverOf(m, c.cfg.Datacenter); ok && !tried[srv.Address] {
			live = append(live, srv.Address)
		}
	}
	if len(live) == 0 {
		return ""
	}
	if slices.Contains(live, c.preferred) {
		return c.preferred
	}
	slices.Sort(live)
	return live[c.env.Rand().IntN(len(live))]
}
