package runtime

import (
	"testing"
	"time"

	"github.com/hashicorp/consul/api"
	"github.com/stretchr/testify/require"
)

func TestRequestsForAnotherDatacenterCrossTheWAN(t *testing.T) {
	_, c1 := startAgent(t, `, "datacenter": "dc1"`)
	a2, c2 := startAgent(t, `, "datacenter": "dc2"`)
	var wanAddr string
	a2.env.Do(func() { wanAddr = a2.server.WAN().Addr() })
	require.NoError(t, c1.Agent().Join(wanAddr, true))
	require.Eventually(t, func() bool {
		members, err := c1.Agent().Members(true)
		return err == nil && len(members) == 2
	}, testWait, 20*time.Millisecond, "the two servers meet in the WAN pool")
	members, err := c1.Agent().Members(true)
	require.NoError(t, err)
	require.ElementsMatch(t, []string{testNode + ".dc1", testNode + ".dc2"}, []string{members[0].Name, members[1].Name})
	dcs, err := c1.Catalog().Datacenters()
	require.NoError(t, err)
	require.Equal(t, []string{"dc1", "dc2"}, dcs, "nearest first: the agent's own")

	in2 := &api.WriteOptions{Datacenter: "dc2"}
	_, err = c1.KV().Put(kvPair("where", "dc2"), in2)
	require.NoError(t, err)
	pair, meta, err := c2.KV().Get("where", nil)
	require.NoError(t, err)
	require.Equal(t, "dc2", string(pair.Value), "the write went to dc2")
	pair, _, err = c1.KV().Get("where", nil)
	require.NoError(t, err)
	require.Nil(t, pair, "dc1's KV is its own")

	changed := make(chan string, 1)
	go func() {
		p, _, err := c1.KV().Get("where", &api.QueryOptions{Datacenter: "dc2", WaitIndex: meta.LastIndex, WaitTime: 20 * time.Second})
		if err == nil && p != nil {
			changed <- string(p.Value)
		}
		close(changed)
	}()
	time.Sleep(100 * time.Millisecond)
	_, err = c2.KV().Put(kvPair("where", "changed"), nil)
	require.NoError(t, err)
	require.Equal(t, "changed", <-changed, "a blocking query crosses the WAN")

	require.Eventually(t, func() bool {
		areas, err := c1.Coordinate().Datacenters()
		return err == nil && len(areas) == 2 && areas[0].Datacenter == "dc1" && len(areas[1].Coordinates) == 1
	}, testWait, 50*time.Millisecond, "WAN coordinates of both datacenters")

	_, _, err = c1.KV().Get("where", &api.QueryOptions{Datacenter: "dc9"})
	require.ErrorContains(t, err, "No path to datacenter")
}
