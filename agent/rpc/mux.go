package rpc

import (
	"cmp"
	"slices"

	"github.com/cairn-sd/cairn/netsim"
)

// Mux routes each stream accepted on the server port by its first message,
// the protocol byte, to Raft's or RPC's accept function.
type Mux struct {
	Raft func(netsim.Stream) netsim.StreamHandler
	RPC  func(netsim.Stream) netsim.StreamHandler
}

// Accept is the listener's accept function.
func (m *Mux) Accept(netsim.Stream) netsim.StreamHandler { return &muxStream{mux: m} }

// muxStream waits for the protocol byte, then passes everything on.
type muxStream struct {
	mux  *Mux
	next netsim.StreamHandler
}

func (ms *muxStream) HandleMessage(st netsim.Stream, b []byte) {
	if ms.next != nil {
		ms.next.HandleMessage(st, b)
		return
	}
	var accept func(netsim.Stream) netsim.StreamHandler
	if len(b) == 1 {
		switch b[0] {
		case ProtoRaft:
			accept = ms.mux.Raft
		case ProtoRPC:
			accept = ms.mux.RPC
		}
	}
	if accept == nil {
		st.Close()
		return
	}
	ms.next = accept(st)
}

func (ms *muxStream) HandleClose(st netsim.Stream, err error) {
	if ms.next != nil {
		ms.next.HandleClose(st, err)
	}
}

func sortedKeys[K cmp.Ordered, V any](m map[K]V) []K {
	keys := make([]K, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
