package runtime

import (
	"bytes"
	"io"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestSnapshotSaveAndRestoreThroughTheAPI(t *testing.T) {
	a, c := startAgent(t, "")
	_, err := c.KV().Put(kvPair("kept", "before"), nil)
	require.NoError(t, err)
	saved, _, err := c.Snapshot().Save(nil)
	require.NoError(t, err)
	data, err := io.ReadAll(saved)
	require.NoError(t, err)
	saved.Close()

	_, err = c.KV().Put(kvPair("kept", "after"), nil)
	require.NoError(t, err)
	_, err = c.KV().Put(kvPair("later", "x"), nil)
	require.NoError(t, err)
	require.NoError(t, c.Snapshot().Restore(nil, bytes.NewReader(data)))
	pair, _, err := c.KV().Get("kept", nil)
	require.NoError(t, err)
	require.Equal(t, "before", string(pair.Value))
	pair, _, err = c.KV().Get("later", nil)
	require.NoError(t, err)
	require.Nil(t, pair)

	req, err := http.NewRequest(http.MethodPut, "http://"+a.HTTPAddr()+"/v1/snapshot", bytes.NewReader([]byte("not a snapshot")))
	require.NoError(t, err)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusBadRequest, resp.StatusCode)
	pair, _, err = c.KV().Get("kept", nil)
	require.NoError(t, err)
	require.Equal(t, "before", string(pair.Value), "a bad snapshot changes nothing")
}
