package simcluster

import (
	"math/rand/v2"
	"slices"
	"time"

	"github.com/cairn-sd/cairn/raft"
)

// ChurnMembership changes the configuration one server at a time, every
// interval from start to end, as an operator and autopilot would: a spare
// host is added as a learner, a learner that caught up is promoted, and
// while more than minVoters vote, a random voter is removed; its host is
// then restarted on a wiped disk and becomes a spare, to be added again as
// a new member later (Raft thesis §4.1: single-server changes).
func (c *Cluster) ChurnMembership(r *rand.Rand, start, end, interval time.Duration, minVoters int) {
	for at := start; at < end; at += interval {
		c.sim.At(at, func() { c.churnOnce(r, minVoters) })
	}
}

func (c *Cluster) churnOnce(r *rand.Rand, minVoters int) {
	leader := c.LeaderName()
	if leader == "" {
		return
	}
	srv := c.Server(leader)
	conf := srv.Configuration()
	member := func(name string) (raft.Server, bool) {
		i := slices.IndexFunc(conf.Servers, func(s raft.Server) bool { return string(s.ID) == name })
		if i < 0 {
			return raft.Server{}, false
		}
		return conf.Servers[i], true
	}
	for _, name := range c.spares {
		if _, in := member(name); !in && c.sim.Up(name) {
			srv.ChangeConfig(raft.ConfigChange{Type: raft.AddLearner, ID: raft.ServerID(name), Address: name + ":8300"}, func(error) {})
			return
		}
	}
	for _, p := range srv.Status().Peers {
		if p.Suffrage == raft.Learner && p.Match > 0 && p.Match+10 >= srv.Status().LastIndex {
			srv.ChangeConfig(raft.ConfigChange{Type: raft.Promote, ID: p.ID}, func(error) {})
			return
		}
	}
	var voters []string
	for _, s := range conf.Servers {
		if s.Suffrage == raft.Voter {
			voters = append(voters, string(s.ID))
		}
	}
	if len(voters) <= minVoters {
		return
	}
	victim := voters[r.IntN(len(voters))]
	srv.ChangeConfig(raft.ConfigChange{Type: raft.RemoveServer, ID: raft.ServerID(victim)}, func(err error) {
		if err == nil {
			c.retire(victim)
		}
	})
}

// retire restarts a removed server's host on a wiped disk, as a replacement
// machine with the same name, which must join as a new member.
func (c *Cluster) retire(name string) {
	if !slices.Contains(c.spares, name) {
		c.spares = append(c.spares, name)
	}
	c.sim.After(time.Second, func() { c.sim.Restart(name, false) })
}

// memberNames lists the leader's configuration, for logs.
func (c *Cluster) memberNames() []string {
	leader := c.LeaderName()
	if leader == "" {
		return nil
	}
	var names []string
	for _, s := range c.Server(leader).Configuration().Servers {
		names = append(names, string(s.ID))
	}
	return names
}
