package netsim_test

import (
	"time"

	"github.com/cairn-sd/cairn/netsim"
)

// probe is a test node: it binds a datagram socket on port 9 and records
// what arrives, and the test drives it through its Env from workload
// closures.
type probe struct {
	env  netsim.Env
	conn netsim.PacketConn
	got  []arrival
}

type arrival struct {
	at      time.Duration // true virtual time of arrival
	from    netsim.Addr
	payload string
}

// addProbes adds one probe host per name; zones[i] is its zone ("dc1" if
// zones is short). The map always points at the current boot's probe.
func addProbes(sim *netsim.Sim, names []string, zones ...string) map[string]*probe {
	probes := make(map[string]*probe)
	for i, name := range names {
		zone := "dc1"
		if i < len(zones) {
			zone = zones[i]
		}
		sim.AddHost(name, zone, func(env netsim.Env) {
			p := &probe{env: env}
			conn, err := env.Net().ListenPacket(9, func(from netsim.Addr, payload []byte) {
				p.got = append(p.got, arrival{at: sim.Now(), from: from, payload: string(payload)})
			})
			if err != nil {
				panic(err)
			}
			p.conn = conn
			probes[env.Host()] = p
		})
	}
	sim.RunFor(0)
	return probes
}

// send makes probe p send payload to host to's probe port.
func (p *probe) send(to, payload string) {
	if err := p.conn.WriteTo([]byte(payload), to+":9"); err != nil {
		panic(err)
	}
}

func (p *probe) payloads() []string {
	var out []string
	for _, a := range p.got {
		out = append(out, a.payload)
	}
	return out
}

// streamLog records the events of one stream end.
type streamLog struct {
	msgs     []string
	closedAt time.Duration
	err      error
	closes   int
	sim      *netsim.Sim
}

func (l *streamLog) HandleMessage(_ netsim.Stream, msg []byte) { l.msgs = append(l.msgs, string(msg)) }

func (l *streamLog) HandleClose(_ netsim.Stream, err error) {
	l.closes++
	l.err = err
	l.closedAt = l.sim.Now()
}

// listenLog makes host's probe listen for streams on port 10, logging the
// events of each accepted stream into the returned slice.
func listenLog(sim *netsim.Sim, p *probe) *[]*streamLog {
	var logs []*streamLog
	_, err := p.env.Net().Listen(10, func(netsim.Stream) netsim.StreamHandler {
		l := &streamLog{sim: sim}
		logs = append(logs, l)
		return l
	})
	if err != nil {
		panic(err)
	}
	return &logs
}
