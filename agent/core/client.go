package core

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"go.uber.org/zap"

	"github.com/cairn-sd/cairn/agent/metrics"
	"github.com/cairn-sd/cairn/agent/rpc"
	"github.com/cairn-sd/cairn/catalog"
	"github.com/cairn-sd/cairn/netsim"
	"github.com/cairn-sd/cairn/swim"
)

// DefaultHoldTimeout is how long a client keeps retrying a request while
// no server answers or no leader is known (Consul's rpc_hold_timeout).
const DefaultHoldTimeout = 7 * time.Second

// ErrNoServers fails a client's request when the pool shows no live
// server of its datacenter for the whole hold timeout.
var ErrNoServers = errors.New("No known Consul servers")

// ClientConfig describes one client agent.
type ClientConfig struct {
	// NodeID, NodeName and Datacenter describe the agent's node; the
	// leader registers it from the pool.
	NodeID     string
	NodeName   string
	Datacenter string
	// Gossip puts the client in the LAN pool, through which it finds the
	// servers. A client without it reaches nobody.
	Gossip GossipConfig
	// HoldTimeout bounds the retries of one request; zero means
	// DefaultHoldTimeout.
	HoldTimeout time.Duration
	// Metrics, if set, receives the client's gossip figures (metrics.go).
	Metrics *metrics.Registry
}

// Client is a client agent: a member of the LAN pool without Raft, which
// sends every request to a server of its datacenter. Its methods must be
// called on the Env's loop.
type Client struct {
	cfg     ClientConfig
	env     netsim.Env
	logger  *zap.Logger
	rpc     *rpc.Client
	stopped bool
	pool
	// preferred is the server that answered last; requests stay with it
	// until it fails, as Consul's clients stick to one server.
	preferred string
	// meters are the client's metrics (metrics_events.go).
	meters meters
}

// NewClient joins the LAN pool with the client's tags.
func NewClient(env netsim.Env, cfg ClientConfig) (*Client, error) {
	if cfg.HoldTimeout <= 0 {
		cfg.HoldTimeout = DefaultHoldTimeout
	}
	c := &Client{cfg: cfg, env: env, logger: env.Logger().Named("client"), rpc: rpc.NewClient(env),
		meters: newClientMeters(cfg.Metrics)}
	tags := swim.Tags{tagRole: tagRoleClient, tagDatacenter: cfg.Datacenter, tagID: cfg.NodeID, tagVersion: "1"}
	var err error
	if c.pool, err = joinPool(env, &cfg.Gossip, cfg.NodeName, tags, nil); err != nil {
		return nil, fmt.Errorf("core: join the LAN pool: %w", err)
	}
	return c, nil
}

// ApplyAs sends an encoded catalog command with the token it is made for
// to a server, which checks the token, forwards the command to the leader,
// and reports the catalog's Result.
func (c *Client) ApplyAs(token string, cmd []byte, done func(catalog.Result, error)) {
	c.Call(methodApply, sealToken(token, cmd), forwardTimeout, false, func(resp []byte, err error) {
		if err != nil {
			done(catalog.Result{}, permissionOr(err))
			return
		}
		done(decodeResult(resp))
	})
}

// NodeStateAs reads a node's catalog entry through a server, which checks
// that token may read the node.
func (c *Client) NodeStateAs(token, node string, done func(NodeState, error)) {
	c.Call(methodNodeState, sealToken(token, []byte(node)), forwardTimeout, true, func(resp []byte, err error) {
		err = permissionOr(err)
		var ns NodeState
		if err == nil {
			if err = json.Unmarshal(resp, &ns); err != nil {
				err = fmt.Errorf("core: bad node state from server: %w", err)
			}
		}
		done(ns, err)
	})
}

// Call sends method(body) to a server of the datacenter and retries on
// another (see route.go). read says the request changes nothing, so that
// it is also retried when its outcome is unknown.
func (c *Client) Call(method string, body []byte, timeout time.Duration, read bool, done func([]byte, error)) {
	if c.stopped {
		done(nil, ErrStopped)
		return
	}
	r := &route{env: c.env, rpc: c.rpc, pick: c.pick, answered: c.answered,
		stopped: func() bool { return c.stopped }, method: method, body: body, timeout: timeout, read: read,
		deadline: c.env.Now().Add(c.cfg.HoldTimeout), tried: map[string]bool{}, done: c.timeCall(method, done)}
	r.next()
}

// Leave leaves the pool gracefully.
func (c *Client) Leave() error { return c.leave() }

// Stop leaves nothing behind: gossip stops and pending calls fail.
func (c *Client) Stop() {
	if c.stopped {
		return
	}
	c.stopped = true
	c.pool.stop()
	c.rpc.Close()
}
