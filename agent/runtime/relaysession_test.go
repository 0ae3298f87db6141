package runtime

import (
	"testing"

	"github.com/hashicorp/consul/api"
	"github.com/stretchr/testify/require"
)

// TestASessionCreatedThroughAClientAgentBelongsToThatAgentsNode: the
// server answers the relayed request, but the session's node is the
// client's, so that the client's failure invalidates it.
func TestASessionCreatedThroughAClientAgentBelongsToThatAgentsNode(t *testing.T) {
	srv, _ := startAgent(t, "")
	_, c := startClient(t, srv, "")
	id, _, err := c.Session().Create(&api.SessionEntry{Name: "lock"}, nil)
	require.NoError(t, err)
	s, _, err := c.Session().Info(id, nil)
	require.NoError(t, err)
	require.Equal(t, "client1", s.Node)

	id, _, err = c.Session().Create(&api.SessionEntry{Name: "named", Node: testNode}, nil)
	require.NoError(t, err)
	s, _, err = c.Session().Info(id, nil)
	require.NoError(t, err)
	require.Equal(t, testNode, s.Node, "a node the body names is kept")
}

func TestLocalSessionNodeOnlyFillsAMissingNode(t *testing.T) {
	a := &Agent{}
	a.cfg = devConfig(t, "")
	a.cfg.NodeName = "me"
	for body, want := range map[string]string{
		``:                         `{"Node":"me"}`,
		`{"Name":"x"}`:             `{"Name":"x","Node":"me"}`,
		`{"node":""}`:              `{"Node":"me"}`,
		`{"node":"other"}`:         `{"node":"other"}`,
		`not json`:                 `not json`,
		`{"Node":"n","TTL":"10s"}`: `{"Node":"n","TTL":"10s"}`,
	} {
		require.Equal(t, want, string(a.localSessionNode("/v1/session/create", []byte(body))), body)
	}
	require.Equal(t, `{}`, string(a.localSessionNode("/v1/kv/x", []byte(`{}`))))
}
