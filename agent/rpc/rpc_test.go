package rpc

import (
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cairn-sd/cairn/netsim"
	"github.com/cairn-sd/cairn/raft"
	"github.com/cairn-sd/cairn/raft/driver"
	"github.com/cairn-sd/cairn/raft/simcluster"
)

// rig is a server host "s" serving RPC on port 8300 and a client host "c".
type rig struct {
	sim    *netsim.Sim
	client *Client
	server *Server
}

func newRig(t *testing.T, register func(env netsim.Env, s *Server)) *rig {
	r := &rig{sim: netsim.New(1, netsim.Options{})}
	r.sim.AddHost("s", "dc1", func(env netsim.Env) {
		r.server = NewServer(nil)
		register(env, r.server)
		mux := &Mux{RPC: r.server.Accept}
		_, err := env.Net().Listen(8300, mux.Accept)
		require.NoError(t, err)
	})
	r.sim.AddHost("c", "dc1", func(env netsim.Env) { r.client = NewClient(env) })
	r.sim.RunFor(time.Millisecond)
	return r
}

// call makes one call and runs the simulation until it ends.
func (r *rig) call(t *testing.T, method, body string, timeout time.Duration) (string, error) {
	t.Helper()
	var resp []byte
	var err error
	ended := false
	r.client.Call("s:8300", method, []byte(body), timeout, func(b []byte, e error) {
		require.False(t, ended, "done called twice")
		resp, err, ended = b, e, true
	})
	for i := 0; i < 1000 && !ended; i++ {
		r.sim.RunFor(10 * time.Millisecond)
	}
	require.True(t, ended, "call never ended")
	return string(resp), err
}

func echoServer(env netsim.Env, s *Server) {
	s.Register("echo", func(body []byte, reply func([]byte, error)) { reply(body, nil) })
	s.Register("fail", func(body []byte, reply func([]byte, error)) { reply(nil, errors.New("no such key")) })
	s.Register("later", func(body []byte, reply func([]byte, error)) {
		env.AfterFunc(time.Second, func() { reply(append(body, '!'), nil) })
	})
	s.Register("never", func([]byte, func([]byte, error)) {})
}

func TestCallReturnsTheHandlersAnswer(t *testing.T) {
	r := newRig(t, echoServer)
	got, err := r.call(t, "echo", "hello", time.Second)
	require.NoError(t, err)
	require.Equal(t, "hello", got)
	got, err = r.call(t, "later", "wait", 5*time.Second)
	require.NoError(t, err)
	require.Equal(t, "wait!", got)
}

func TestRemoteErrorsAndUnknownMethodsComeBackAsText(t *testing.T) {
	r := newRig(t, echoServer)
	_, err := r.call(t, "fail", "", time.Second)
	var remote *RemoteError
	require.ErrorAs(t, err, &remote)
	require.Equal(t, "no such key", remote.Text)
	_, err = r.call(t, "nope", "", time.Second)
	require.ErrorContains(t, err, `unknown method "nope"`)
}

func TestUnansweredCallTimesOut(t *testing.T) {
	r := newRig(t, echoServer)
	_, err := r.call(t, "never", "", 500*time.Millisecond)
	require.ErrorIs(t, err, ErrTimeout)
}

func TestPartitionFailsCallsAndHealingRestoresThem(t *testing.T) {
	r := newRig(t, echoServer)
	_, err := r.call(t, "echo", "before", time.Second)
	require.NoError(t, err)
	r.sim.Partition([]string{"s"}, []string{"c"})
	_, err = r.call(t, "echo", "during", time.Second)
	require.True(t, errors.Is(err, ErrTimeout) || errors.Is(err, ErrConnection), "got %v", err)
	r.sim.Heal()
	got, err := r.call(t, "echo", "after", time.Second)
	require.NoError(t, err)
	require.Equal(t, "after", got)
}

func TestServerCrashFailsPendingCallsAndRestartServesAgain(t *testing.T) {
	r := newRig(t, echoServer)
	var err error
	ended := false
	r.client.Call("s:8300", "never", nil, time.Minute, func(_ []byte, e error) { err, ended = e, true })
	r.sim.RunFor(100 * time.Millisecond)
	r.sim.Crash("s")
	r.sim.RunFor(time.Second)
	require.True(t, ended)
	require.ErrorIs(t, err, ErrConnection)
	r.sim.Restart("s", true)
	got, err := r.call(t, "echo", "back", time.Second)
	require.NoError(t, err)
	require.Equal(t, "back", got)
}

// Raft and RPC share the server port: the servers elect a leader over
// muxed streams while RPC calls are answered on the same port.
func TestRaftAndRPCShareThePort(t *testing.T) {
	sim := netsim.New(1, netsim.Options{})
	conf := raft.Configuration{Servers: []raft.Server{
		{ID: "a", Address: "a:8300"}, {ID: "b", Address: "b:8300"}, {ID: "c", Address: "c:8300"},
	}}
	servers := map[string]*driver.Server{}
	for _, name := range []string{"a", "b", "c"} {
		sim.AddHost(name, "dc1", func(env netsim.Env) {
			srv, err := driver.Start(env, driver.Config{
				ID: raft.ServerID(name), Address: name + ":8300", Port: -1, Dir: "raft",
				FSM: simcluster.NewKV(), Preamble: []byte{ProtoRaft},
			})
			require.NoError(t, err)
			require.NoError(t, srv.Bootstrap(conf))
			rpcs := NewServer(nil)
			rpcs.Register("leader", func(_ []byte, reply func([]byte, error)) {
				id, _ := srv.Leader()
				reply([]byte(id), nil)
			})
			mux := &Mux{Raft: srv.Accept, RPC: rpcs.Accept}
			_, err = env.Net().Listen(8300, mux.Accept)
			require.NoError(t, err)
			servers[name] = srv
		})
	}
	var client *Client
	sim.AddHost("client", "dc1", func(env netsim.Env) { client = NewClient(env) })
	sim.RunFor(5 * time.Second)
	leaders := map[string]bool{}
	for _, name := range []string{"a", "b", "c"} {
		client.Call(name+":8300", "leader", nil, time.Second, func(b []byte, err error) {
			require.NoError(t, err)
			leaders[string(b)] = true
		})
	}
	sim.RunFor(time.Second)
	require.Len(t, leaders, 1, "every server names the same leader")
	require.NotContains(t, leaders, "", "a leader was elected over muxed streams")
}

func FuzzDecode(f *testing.F) {
	f.Add(encode(message{kind: kindRequest, id: 7, text: "KV.Get", body: []byte("k")}))
	f.Add(encode(message{kind: kindResponse, id: 1, text: "boom"}))
	f.Add([]byte{1, 1, 0xff})
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := decode(b)
		if err != nil {
			return
		}
		again, err := decode(encode(m))
		require.NoError(t, err)
		require.Equal(t, m.kind, again.kind)
		require.Equal(t, m.id, again.id)
		require.Equal(t, m.text, again.text)
		require.Equal(t, string(m.body), string(again.body))
	})
}
