package dns

import (
	"sort"

	mdns "github.com/miekg/dns"
)

// Packet sizes.
const (
	// minUDPSize is the UDP payload every resolver accepts (RFC 1035).
	minUDPSize = 512
	// maxMsgSize is the largest DNS message, over TCP.
	maxMsgSize = 65535
)

// udpSize is how large a UDP response to req may be: 512 bytes, or the
// buffer size the client advertises in an EDNS0 OPT record.
func udpSize(req *mdns.Msg) int {
	if opt := req.IsEdns0(); opt != nil {
		return max(minUDPSize, int(opt.UDPSize()))
	}
	return minUDPSize
}

// trim cuts resp to what the transport carries. Over UDP it keeps at most
// UDPAnswerLimit answers and then as many as fit in udpSize bytes; over
// TCP as many as fit in 64 KiB. The additional section keeps only the
// records of targets still answered. A UDP response that lost answers gets
// the TC bit when EnableTruncate is set, so clients retry over TCP.
func (s *Server) trim(req, resp *mdns.Msg, network string) {
	size := maxMsgSize
	answers, extra := len(resp.Answer), resp.Extra
	if network == "udp" {
		size = udpSize(req)
		if limit := s.cfg.UDPAnswerLimit; limit > 0 && len(resp.Answer) > limit {
			resp.Answer = resp.Answer[:limit]
			resp.Extra = syncExtra(resp.Answer, extra)
		}
	}
	if resp.Len() > size {
		all := resp.Answer
		keep := sort.Search(len(all)+1, func(n int) bool {
			resp.Answer = all[:n]
			resp.Extra = syncExtra(resp.Answer, extra)
			return resp.Len() > size
		}) - 1
		resp.Answer = all[:max(keep, 0)]
		resp.Extra = syncExtra(resp.Answer, extra)
	}
	if network == "udp" && len(resp.Answer) < answers && s.cfg.EnableTruncate {
		resp.Truncated = true
	}
}

// syncExtra returns the records of extra that are still needed with
// answer: the OPT record and the address records of SRV targets.
func syncExtra(answer, extra []mdns.RR) []mdns.RR {
	targets := make(map[string]bool, len(answer))
	for _, rr := range answer {
		if srv, ok := rr.(*mdns.SRV); ok {
			targets[srv.Target] = true
		}
	}
	out := make([]mdns.RR, 0, len(extra))
	for _, rr := range extra {
		if targets[rr.Header().Name] || rr.Header().Rrtype == mdns.TypeOPT {
			out = append(out, rr)
		}
	}
	return out
}
