package runtime

import (
	"testing"
	"time"

	"github.com/hashicorp/consul/api"
	"github.com/stretchr/testify/require"

	"github.com/cairn-sd/cairn/catalog"
	"github.com/cairn-sd/cairn/swim"
)

func TestEventsFiredOnOneAgentAreListedOnAnother(t *testing.T) {
	srv, s := startAgent(t, "")
	_, c := startClient(t, srv, "")
	require.NoError(t, c.Agent().ServiceRegister(&api.AgentServiceRegistration{Name: "web", Tags: []string{"blue"},
		Check: &api.AgentServiceCheck{TTL: "30s"}}))

	_, meta, err := c.Event().List("deploy", nil)
	require.NoError(t, err)
	id, _, err := s.Event().Fire(&api.UserEvent{Name: "deploy", Payload: []byte("v2")}, nil)
	require.NoError(t, err)
	require.Len(t, id, 36)
	_, _, err = s.Event().Fire(&api.UserEvent{Name: "deploy", ServiceFilter: "web", TagFilter: "green"}, nil)
	require.NoError(t, err)
	_, _, err = s.Event().Fire(&api.UserEvent{Name: "deploy", ServiceFilter: "^web$", TagFilter: "blue"}, nil)
	require.NoError(t, err)

	var events []*api.UserEvent
	require.Eventually(t, func() bool {
		events, _, err = c.Event().List("deploy", &api.QueryOptions{WaitIndex: meta.LastIndex, WaitTime: 5 * time.Second})
		return err == nil && len(events) == 2
	}, testWait, 10*time.Millisecond, "the client keeps the unfiltered event and the one matching its service and tag")
	byID := map[string]*api.UserEvent{}
	for _, e := range events {
		byID[e.ID] = e
	}
	require.Contains(t, byID, id, "gossip may deliver in any order")
	require.Equal(t, "v2", string(byID[id].Payload))
	for _, e := range events {
		require.NotEqual(t, "green", e.TagFilter)
	}

	own, _, err := s.Event().List("", nil)
	require.NoError(t, err)
	require.Len(t, own, 1, "the server has no web service: it keeps only the unfiltered event")

	_, _, err = s.Event().Fire(&api.UserEvent{Name: "x", TagFilter: "t"}, nil)
	require.ErrorContains(t, err, "tag filter without service filter")
}

func TestEventPayloadRoundTripsAndGarbageIsRefused(t *testing.T) {
	var id [16]byte
	id[0] = 0xab
	e := userEvent{Name: "n", NodeFilter: "a.*", ServiceFilter: "web", TagFilter: "v1", Payload: []byte("p")}
	b, err := encodeEvent(e, id)
	require.NoError(t, err)
	got, err := decodeEvent(swim.UserEvent{Name: "n", Payload: b, LTime: 7})
	require.NoError(t, err)
	require.Equal(t, "ab000000-0000-0000-0000-000000000000", got.ID)
	require.Equal(t, uint64(7), got.LTime)
	got.ID, got.LTime, got.Version = "", 0, 0
	require.Equal(t, e, got)
	for _, bad := range [][]byte{nil, {1}, append([]byte{2}, make([]byte, 16)...), append(append([]byte{1}, make([]byte, 16)...), 9)} {
		_, err := decodeEvent(swim.UserEvent{Payload: bad})
		require.ErrorIs(t, err, errBadEventPayload)
	}
	require.False(t, wanted(userEvent{NodeFilter: "("}, "n", nil), "a filter that does not compile drops the event")
	require.True(t, wanted(userEvent{ServiceFilter: "w"}, "n", []catalog.Service{{Service: "web"}}))
}

func FuzzEventPayload(f *testing.F) {
	var id [16]byte
	b, _ := encodeEvent(userEvent{NodeFilter: "x", Payload: []byte("y")}, id)
	f.Add(b)
	f.Add([]byte{1, 2, 3})
	f.Fuzz(func(t *testing.T, payload []byte) {
		e, err := decodeEvent(swim.UserEvent{Name: "n", Payload: payload})
		if err != nil {
			return
		}
		again, err := encodeEvent(e, [16]byte(payload[1:17]))
		require.NoError(t, err)
		require.Equal(t, payload, again, "decode then encode gives the payload back")
	})
}

func TestAgentsReportNetworkCoordinates(t *testing.T) {
	srv, s := startAgent(t, "")
	_, c := startClient(t, srv, "")
	var entries []*api.CoordinateEntry
	require.Eventually(t, func() bool {
		var err error
		entries, _, err = c.Coordinate().Nodes(nil)
		return err == nil && len(entries) == 2
	}, testWait, 50*time.Millisecond, "the client hears both coordinates")
	require.Equal(t, "client1", entries[0].Node)
	require.Len(t, entries[0].Coord.Vec, 8)
	one, _, err := s.Coordinate().Node("client1", nil)
	require.NoError(t, err)
	require.Len(t, one, 1)
	_, _, err = s.Coordinate().Node("nobody", nil)
	require.Error(t, err)

	for _, near := range []string{"client1", testNode} {
		nodes, _, err := s.Catalog().Nodes(&api.QueryOptions{Near: near})
		require.NoError(t, err)
		require.Equal(t, near, nodes[0].Node, "?near puts the node itself first")
	}
	nodes, _, err := c.Catalog().Nodes(&api.QueryOptions{Near: "_agent"})
	require.NoError(t, err)
	require.Equal(t, "client1", nodes[0].Node, "_agent is the client itself, not the server that answers")
}
