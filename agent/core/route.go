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
// LAN pool; a request for another datacenter goes from a server to one of
// that datacenter's servers, found in the WAN pool (wan.go). When the
// server chosen cannot take it, the request moves on:
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

// route is one request travelling between servers: pick chooses an
// untried server, answered hears which server answered or failed.
type route struct {
	env      netsim.Env
	rpc      *rpc.Client
	pick     func(tried map[string]bool) string
	answered func(addr string, ok bool)
	stopped  func() bool
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
	if r.stopped() {
		r.done(nil, ErrStopped)
		return
	}
	addr := r.pick(r.tried)
	if addr == "" {
		r.tried = map[string]bool{}
		r.retryLater(ErrNoServers)
		return
	}
	r.rpc.Call(addr, r.method, r.body, r.timeout, func(resp []byte, err error) {
		r.answered(addr, err == nil)
		if err == nil {
			r.done(resp, nil)
			return
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
	if r.env.Now().Add(retryPause).After(r.deadline) {
		r.done(nil, r.lastErr)
		return
	}
	r.env.AfterFunc(retryPause, r.next)
}

// isNoLeader reports whether a server answered ErrNoLeader.
func isNoLeader(err error) bool { return isRemote(err, ErrNoLeader) }

// isRemote reports whether err is a server's answer of sentinel.
func isRemote(err, sentinel error) bool {
	var re *rpc.RemoteError
	return errors.As(err, &re) && re.Text == sentinel.Error()
}

// liveServers returns the RPC addresses of the live, untried servers of
// datacenter dc among members, sorted.
func liveServers(members []swim.NodeInfo, dc string, tried map[string]bool) []string {
	var live []string
	for _, m := range members {
		if m.State != swim.StateAlive {
			continue
		}
		if srv, ok := serverOf(m, dc); ok && !tried[srv.Address] {
			live = append(live, srv.Address)
		}
	}
	slices.Sort(live)
	return live
}

// pick returns the preferred server if it is live and untried, else a
// random live untried server of the datacenter, else "".
func (c *Client) pick(tried map[string]bool) string {
	live := liveServers(c.Members(), c.cfg.Datacenter, tried)
	if len(live) == 0 {
		return ""
	}
	if slices.Contains(live, c.preferred) {
		return c.preferred
	}
	return live[c.env.Rand().IntN(len(live))]
}

// answered keeps a server that answered as the preferred one and drops
// one that failed.
func (c *Client) answered(addr string, ok bool) {
	switch {
	case ok:
		c.preferred = addr
	case c.preferred == addr:
		c.preferred = ""
	}
}
