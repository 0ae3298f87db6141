package runtime

import (
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/consul/api"
	mdns "github.com/miekg/dns"
	"github.com/stretchr/testify/require"
)

// startClient starts a client agent that joins the server agent srv, and
// returns it with an official client for it once it sees the server.
func startClient(t *testing.T, srv *Agent, extra string) (*Agent, *api.Client) {
	t.Helper()
	var serf string
	srv.env.Do(func() { serf = srv.member.GossipAddr() })
	doc := `{"node_name": "client1", "server": false, "data_dir": "` + t.TempDir() + `",
		"bind_addr": "127.0.0.1", "client_addr": "127.0.0.1", "retry_join": ["` + serf + `"],
		"ports": {"http": 0, "serf_lan": 0, "dns": 0}` + extra + `}`
	a := startConfiguredAgent(t, doc)
	client, err := api.NewClient(&api.Config{Address: a.HTTPAddr()})
	require.NoError(t, err)
	require.Eventually(t, func() bool {
		nodes, _, err := client.Catalog().Nodes(nil)
		return err == nil && len(nodes) == 2
	}, testWait, 20*time.Millisecond, "the client never reached the server, or was never registered")
	return a, client
}

func TestAClientAgentRelaysTheAPIAndSyncsItsServices(t *testing.T) {
	srv, _ := startAgent(t, "")
	cl, c := startClient(t, srv, "")

	require.NoError(t, c.Agent().ServiceRegister(&api.AgentServiceRegistration{
		Name: "web", Port: 80, Tags: []string{"v1"},
		Check: &api.AgentServiceCheck{CheckID: "web-ttl", TTL: "30s", Status: api.HealthPassing},
	}))
	entries, meta, err := c.Health().Service("web", "", true, nil)
	require.NoError(t, err)
	require.Len(t, entries, 1, "the registration reached the catalog before the call returned")
	require.Equal(t, "client1", entries[0].Node.Node)
	require.True(t, meta.KnownLeader)

	// A blocking query through the client returns when the check changes.
	changed := make(chan int, 1)
	go func() {
		e, _, err := c.Health().Service("web", "", true, &api.QueryOptions{WaitIndex: meta.LastIndex, WaitTime: 20 * time.Second})
		if err == nil {
			changed <- len(e)
		}
		close(changed)
	}()
	time.Sleep(100 * time.Millisecond)
	require.NoError(t, c.Agent().FailTTL("web-ttl", "down"))
	require.Equal(t, 0, <-changed, "the blocking query saw the instance turn critical")

	_, err = c.KV().Put(kvPair("via/client", "yes"), nil)
	require.NoError(t, err)
	pair, _, err := c.KV().Get("via/client", &api.QueryOptions{RequireConsistent: true})
	require.NoError(t, err)
	require.Equal(t, "yes", string(pair.Value))

	services, err := c.Agent().Services()
	require.NoError(t, err)
	require.Contains(t, services, "web")
	status, _, err := c.Agent().AgentHealthServiceByID("web")
	require.NoError(t, err)
	require.Equal(t, api.HealthCritical, status)

	srvClient, err := api.NewClient(&api.Config{Address: srv.HTTPAddr()})
	require.NoError(t, err)
	srvServices, err := srvClient.Agent().Services()
	require.NoError(t, err)
	require.NotContains(t, srvServices, "web", "the service is the client's own, not the server's")

	require.NoError(t, c.Agent().PassTTL("web-ttl", "up"))
	r := dnsQuery(t, cl.DNSAddr(), "web.service.consul.", mdns.TypeSRV)
	require.Equal(t, mdns.RcodeSuccess, r.Rcode)
	require.Len(t, r.Answer, 1, "the client's DNS answers from a server")
	require.EqualValues(t, 80, r.Answer[0].(*mdns.SRV).Port)
	r = dnsQuery(t, cl.DNSAddr(), "client1.node.consul.", mdns.TypeA)
	require.Len(t, r.Answer, 1)

	require.NoError(t, c.Agent().ServiceDeregister("web"))
	entries, _, err = c.Health().Service("web", "", false, nil)
	require.NoError(t, err)
	require.Empty(t, entries)
}

func TestScriptChecksRunOnlyWhenEnabled(t *testing.T) {
	_, c := startAgent(t, "")
	err := c.Agent().CheckRegister(&api.AgentCheckRegistration{Name: "script",
		AgentServiceCheck: api.AgentServiceCheck{Args: []string{"true"}, Interval: "1s"}})
	require.ErrorContains(t, err, "Scripts are disabled")

	_, c = startAgent(t, `, "enable_script_checks": true`)
	require.NoError(t, c.Agent().CheckRegister(&api.AgentCheckRegistration{Name: "script",
		AgentServiceCheck: api.AgentServiceCheck{Args: []string{"sh", "-c", "echo from-script; exit 1"}, Interval: "1s"}}))
	require.Eventually(t, func() bool {
		checks, _, err := c.Health().Node(testNode, nil)
		for _, ch := range checks {
			if err == nil && ch.CheckID == "script" && ch.Status == api.HealthWarning && strings.Contains(ch.Output, "from-script") {
				return true
			}
		}
		return false
	}, testWait, 50*time.Millisecond, "the script's exit code 1 reaches the catalog as warning")
}
