package runtime

import (
	"github.com/cairn-sd/cairn/agent/rpc"
	"github.com/cairn-sd/cairn/internal/osenv"
)

// streamTLS is the TLS policy of the agent's streams from the
// tls.internal_rpc settings, or nil when they name nothing (every stream
// then stays plain, as before TLS existed).
//
// Streams to the server port are told apart by their first message, the
// protocol byte of agent/rpc: an RPC stream may come from any agent with
// a certificate from the CA, a Raft stream only from a server of this
// datacenter when verify_server_hostname is on. Gossip's streams are left
// alone: the gossip key protects them.
func (a *Agent) streamTLS() *osenv.TLS {
	if !a.cfg.TLS.InternalRPC.Enabled() {
		return nil
	}
	t := &osenv.TLS{
		Server:          a.tls.RPCServer(),
		Client:          a.tls.RPCClient(),
		RequireIncoming: a.tls.RPCVerifyIncoming(),
		Classify:        classifyStream,
	}
	if a.tls.RPCVerifyServerHostname() {
		t.IsServer = a.tls.IsLocalServer
	}
	return t
}

// classifyStream tells RPC and Raft streams by their protocol byte.
func classifyStream(first []byte) osenv.StreamKind {
	if len(first) != 1 {
		return osenv.StreamOther
	}
	switch first[0] {
	case rpc.ProtoRaft:
		return osenv.StreamServerOnly
	case rpc.ProtoRPC:
		return osenv.StreamInternal
	}
	return osenv.StreamOther
}
