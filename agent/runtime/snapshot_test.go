package runtime

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"testing"
	"time"

	"github.com/hashicorp/consul/api"
	"github.com/stretchr/testify/require"
	"golang.org/x/sync/errgroup"
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

// TestRaftSnapshotsWrittenBesideWrites makes the server snapshot every 50
// entries while eight clients write keys, sessions and services: the
// snapshot files are written in the background while Apply goes on.
// Under the race detector (CI's race tier) it checks that serialising a
// captured catalog reads nothing the loop changes.
func TestRaftSnapshotsWrittenBesideWrites(t *testing.T) {
	a, c := startAgent(t, `, "raft_snapshot_threshold": 50`)
	var g errgroup.Group
	for w := range 8 {
		g.Go(func() error {
			for i := range 60 {
				if _, err := c.KV().Put(kvPair(fmt.Sprintf("w%d/%d", w, i), "v"), nil); err != nil {
					return err
				}
				if i%10 == 0 {
					id, _, err := c.Session().Create(&api.SessionEntry{Name: "s"}, nil)
					if err != nil {
						return err
					}
					if err := c.Agent().ServiceRegister(&api.AgentServiceRegistration{Name: fmt.Sprintf("svc%d", w), Port: i}); err != nil {
						return err
					}
					if _, err := c.Session().Destroy(id, nil); err != nil {
						return err
					}
				}
			}
			return nil
		})
	}
	require.NoError(t, g.Wait())
	keys, _, err := c.KV().Keys("w", "", nil)
	require.NoError(t, err)
	require.Len(t, keys, 8*60)
	require.Eventually(t, func() bool {
		snaps, _ := filepath.Glob(filepath.Join(a.DataDir(), "raft", "snapshots", "*.snap"))
		return len(snaps) > 0
	}, testWait, 10*time.Millisecond, "snapshots were written")
}
