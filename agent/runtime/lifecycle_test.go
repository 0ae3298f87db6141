package runtime

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestBoundAddressesFileNamesTheListeners checks bound-addresses.json and
// that a dev agent's data dir is removed at shutdown.
func TestBoundAddressesFileNamesTheListeners(t *testing.T) {
	a, err := New(devConfig(t, ""), Options{})
	require.NoError(t, err)
	ba, err := ReadBoundAddresses(a.DataDir())
	require.NoError(t, err)
	require.Equal(t, a.HTTPAddr(), ba.HTTP)
	require.Equal(t, a.ServerAddr(), ba.Server)
	require.NotContains(t, ba.HTTP, ":0")
	require.Regexp(t, `^127\.0\.0\.1:[1-9][0-9]*$`, ba.SerfLAN, "the gossip address is written too")
	require.NoError(t, a.Shutdown(context.Background()))
	_, err = os.Stat(a.DataDir())
	require.ErrorIs(t, err, os.ErrNotExist)
	require.NoError(t, a.Shutdown(context.Background()), "a second shutdown is harmless")
}

// TestNodeIDPersistsAcrossRestarts checks that a data dir keeps the node
// ID and the Raft state: a restarted server leads again with its data.
func TestNodeIDPersistsAcrossRestarts(t *testing.T) {
	dir := t.TempDir()
	extra := fmt.Sprintf(`, "data_dir": %q`, dir)
	a, c := startAgent(t, extra)
	_, err := c.KV().Put(kvPair("kept", "yes"), nil)
	require.NoError(t, err)
	id := a.NodeID()
	require.NoError(t, a.Shutdown(context.Background()))

	b, c2 := startAgent(t, extra)
	require.Equal(t, id, b.NodeID())
	pair, _, err := c2.KV().Get("kept", nil)
	require.NoError(t, err)
	require.Equal(t, "yes", string(pair.Value))
}

// TestConnectionsOverTheLimitGet429 checks limits.http_max_conns_per_client.
func TestConnectionsOverTheLimitGet429(t *testing.T) {
	a, err := New(devConfig(t, `, "limits": {"http_max_conns_per_client": 2}`), Options{})
	require.NoError(t, err)
	t.Cleanup(func() { a.Shutdown(context.Background()) })
	var clients []*http.Client
	for range 2 {
		tr := &http.Transport{MaxConnsPerHost: 1}
		t.Cleanup(tr.CloseIdleConnections)
		cl := &http.Client{Transport: tr}
		resp, err := cl.Get("http://" + a.HTTPAddr() + "/v1/status/leader")
		require.NoError(t, err)
		// Reading the body to its end keeps the connection open for reuse.
		_, err = io.Copy(io.Discard, resp.Body)
		require.NoError(t, err)
		resp.Body.Close()
		require.Equal(t, 200, resp.StatusCode)
		clients = append(clients, cl)
	}
	tr := &http.Transport{}
	t.Cleanup(tr.CloseIdleConnections)
	resp, err := (&http.Client{Transport: tr}).Get("http://" + a.HTTPAddr() + "/v1/status/leader")
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusTooManyRequests, resp.StatusCode)
	require.Len(t, clients, 2)
}

func TestASecondAgentOnTheSameDataDirIsRefused(t *testing.T) {
	dir := t.TempDir()
	cfg := devConfig(t, `, "data_dir": "`+dir+`"`)
	a, err := New(cfg, Options{})
	require.NoError(t, err)
	defer a.Shutdown(context.Background())
	_, err = New(devConfig(t, `, "data_dir": "`+dir+`"`), Options{})
	require.ErrorIs(t, err, ErrDataDirInUse)
	require.ErrorContains(t, err, dir)
}
