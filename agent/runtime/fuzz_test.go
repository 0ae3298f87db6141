package runtime

import (
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cairn-sd/cairn/catalog"
)

// FuzzCatalogRegister feeds arbitrary bodies to the decoding of
// PUT /v1/catalog/register: it must answer an error or a registration the
// catalog can encode, never panic.
func FuzzCatalogRegister(f *testing.F) {
	f.Add([]byte(`{"Node":"n1","Address":"10.0.0.1","Service":{"ID":"web1","Service":"web","Tags":["a"],"Port":80,"Weights":{"Passing":1,"Warning":1}},"Checks":[{"CheckID":"c","Status":"passing","ServiceID":"web1","Definition":{"Interval":"10s","Timeout":"0s","DeregisterCriticalServiceAfter":"0s"}}]}`))
	f.Add([]byte(`{"Node":"n1","Datacenter":"dc2"}`))
	f.Add([]byte(`{"Node":"","Service":{}}`))
	f.Add([]byte(`{"Node":"n","Check":{"Definition":{"Interval":12}}}`))
	f.Add([]byte(`[1,2]`))
	f.Fuzz(func(t *testing.T, body []byte) {
		reg, err := decodeRegistration(body, "dc1")
		if err != nil {
			return
		}
		require.NotEmpty(t, reg.Node)
		require.Equal(t, "dc1", reg.Datacenter)
		_, err = catalog.Encode(reg)
		require.NoError(t, err)
	})
}

// FuzzServiceRegistration feeds arbitrary bodies to the decoding of
// PUT /v1/agent/service/register and the building of its catalog command.
func FuzzServiceRegistration(f *testing.F) {
	f.Add([]byte(`{"Name":"web","Port":80,"Check":{"TTL":"30s"}}`))
	f.Add([]byte(`{"ID":"w1","Name":"web","Checks":[{"HTTP":"http://x","Interval":"10s"},{"TCP":"x:1","Interval":"5s"}]}`))
	f.Add([]byte(`{"Name":"web","Checks":[null]}`))
	f.Add([]byte(`{"Name":"web","Check":{"Status":"sideways"}}`))
	f.Add([]byte(`{"name":"web","weights":{"passing":3}}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		reg, err := decodeServiceRegistration(body)
		if err != nil {
			return
		}
		svc, checks, err := reg.toLocal(false)
		if err != nil {
			return
		}
		require.Equal(t, reg.Name, svc.Service)
		require.Len(t, checks, len(reg.allChecks()))
		for _, c := range checks {
			require.NotEmpty(t, c.CheckID)
		}
		_, err = catalog.Encode(&catalog.RegisterRequest{Node: "n", Address: "a", Service: &svc})
		require.NoError(t, err)
	})
}

// FuzzQueryParameters feeds arbitrary query strings to the parsing of the
// read parameters: an error or options within Consul's bounds.
func FuzzQueryParameters(f *testing.F) {
	f.Add("index=12&wait=120000ms&stale")
	f.Add("wait=1h&consistent&tag=a&tag=b&node-meta=rack:r1&filter=Node%20%3D%3D%20%22x%22")
	f.Add("index=-1&wait=x")
	f.Add("node-meta=nocolon&stale&consistent")
	f.Fuzz(func(t *testing.T, raw string) {
		q, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		if o, err := parseQueryOptions(q); err == nil {
			require.LessOrEqual(t, o.wait, maxWait)
			require.GreaterOrEqual(t, o.wait, time.Duration(0))
			require.False(t, o.stale && o.consistent)
		}
		if cq, err := parseCatalogQuery(q); err == nil {
			for k := range cq.NodeMeta {
				require.NotEmpty(t, k)
			}
		}
	})
}

// FuzzSessionCreate feeds arbitrary bodies to the decoding of
// PUT /v1/session/create: it must answer an error or a session command
// the catalog can encode, with an ID, a node and a TTL within bounds.
func FuzzSessionCreate(f *testing.F) {
	f.Add([]byte(``))
	f.Add([]byte(`{"Name":"lock","LockDelay":"15s","TTL":"10s","Behavior":"delete"}`))
	f.Add([]byte(`{"LockDelay":1000000,"Checks":[],"ServiceChecks":[{"ID":"web"}]}`))
	f.Add([]byte(`{"LockDelay":"0s","NodeChecks":["a","b"],"Node":"n2"}`))
	f.Add([]byte(`{"TTL":"1s","LockDelay":[1]}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		req, err := decodeSession(body, "n1")
		if err != nil {
			return
		}
		require.True(t, validUUID(req.Session.ID))
		require.NotEmpty(t, req.Session.Node)
		require.NotNil(t, req.Session.NodeChecks)
		if req.Session.TTL != "" {
			ttl, err := time.ParseDuration(req.Session.TTL)
			require.NoError(t, err)
			require.True(t, ttl >= sessionTTLMin && ttl <= sessionTTLMax)
		}
		_, err = catalog.Encode(req)
		require.NoError(t, err)
	})
}

// FuzzTxnBody feeds arbitrary bodies to the decoding of PUT /v1/txn: it
// must answer an error or at most MaxTxnOps operations the catalog can
// encode.
func FuzzTxnBody(f *testing.F) {
	f.Add([]byte(`[{"KV":{"Verb":"set","Key":"k","Value":"dmFsdWU=","Flags":3}}]`))
	f.Add([]byte(`[{"KV":{"Verb":"cas","Key":"k","Index":7}},{"KV":{"Verb":"lock","Key":"k","Session":"s"}}]`))
	f.Add([]byte(`[{"KV":{"Verb":"set","Value":"not base64!"}}]`))
	f.Add([]byte(`[{}, null]`))
	f.Add([]byte(`{"KV":{}}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		ops, err := decodeTxn(body)
		if err != nil {
			return
		}
		require.LessOrEqual(t, len(ops), catalog.MaxTxnOps)
		_, err = catalog.Encode(&catalog.TxnRequest{Ops: ops})
		require.NoError(t, err)
	})
}
