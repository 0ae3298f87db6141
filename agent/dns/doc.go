// Package dns is cairn's DNS interface: the agent answers DNS queries for
// the nodes and service instances of the catalog, so that any program that
// can resolve a name can find a service, with no client library. It
// follows Consul's DNS interface (port 8600 by default, UDP and TCP,
// domain "consul.").
//
// A Server reads the catalog through a [Source], which the agent backs
// with its local catalog ([StateSource] over a *catalog.State) or with RPCs
// to the servers, and answers from it on every query: nothing is cached,
// so an answer is as fresh as the Source.
//
// # Name grammar
//
// Every name ends in the domain (Config.Domain, or Config.AltDomain when
// one is set). The labels before it are read from the right:
//
//	<node>.node[.<dc>].<domain>              A/AAAA of the node address; TXT
//	                                         (and ANY) add the node metadata
//	[<tag>.]<service>.service[.<dc>].<domain> A/AAAA per instance, or SRV
//	_<service>._<tag>[.service][.<dc>].<domain> RFC 2782 SRV form; the tag
//	                                         "_tcp" means no tag filter
//	<query>.query[.<dc>].<domain>            a prepared query's instances
//	_<query>._<tag>.query[.<dc>].<domain>    the same as SRV, tag-filtered
//	<hex-ip>.addr[.<dc>].<domain>            the IP spelled in hex: 8 digits
//	                                         for IPv4, 32 for IPv6
//	<domain>                                 SOA and NS of the zone
//	<reversed ip>.in-addr.arpa / .ip6.arpa   PTR to <node>.node.<dc>.<domain>
//
// The datacenter may also be written "<dc>.dc". Names, tags, the
// datacenter and the domain match without regard to case, and records
// carry the name as the question spelled it. An SRV record's target is
// <node>.node.<dc>.<domain>, or <hex-ip>.addr.<dc>.<domain> when the
// instance has an IP address of its own (a host name is used as the
// target itself); the target's A/AAAA record goes in the additional
// section, followed, for a node target, by the node's metadata as TXT
// records (unless Config.DisableNodeMetaTXT). SRV priority is 1 and the
// weight is the instance's Weights.Passing, or Weights.Warning while a
// check warns. A node address that is a host name is answered with a
// CNAME.
//
// A name for another datacenter is answered from Config.Remote(dc): a
// Source that reads that datacenter's catalog across the WAN (stale reads
// relayed to one of its servers, in the agent). The answer is built here,
// with this server's settings, so it looks the same as a local one except
// that SRV targets name the other datacenter. Without Remote, or when the
// remote Source fails with ErrUnknownDatacenter, the answer is NXDOMAIN
// with an SOA: Consul answers a datacenter it has no path to so. Any
// other failure of a Source gives SERVFAIL.
//
// Names outside the domains go to Config.Recursors, tried in
// order until one answers with something other than SERVFAIL (SERVFAIL
// when none does); without recursors they are REFUSED. A PTR name that
// no node owns goes to the recursors too, or is NXDOMAIN without them.
//
// # Prepared queries
//
// A <query>.query name runs the prepared query of that name or ID through
// the Source, if it implements QuerySource (for another datacenter, the
// remote Source runs it there). The execution has already applied the
// query's health rules, its order (shuffled or nearest first) and its
// failover to other datacenters; DNS answers its instances in that order,
// with the query's DNS TTL when it sets one, and SRV targets name the
// datacenter the instances came from.
//
// # Health and ACLs
//
// A service lookup hands out an instance only if none of its checks, node
// checks included (serfHealth among them), is critical: a failed node
// drops out of DNS with all its services. Instances with a warning check
// stay, unless Config.OnlyPassing asks for passing ones only (Consul's
// only_passing). Config.Allow, when set, is asked about every node and
// service an answer would name (Consul's node:read and service:read with
// the agent's default token); what it refuses is left out, as if it did
// not exist.
//
// # Empty answers
//
// A name that does not exist (no such node, no healthy instance, a
// malformed name) is NXDOMAIN; a name that exists without a record of the
// asked type (AAAA for an IPv4 node) is NOERROR with no answer. Both carry
// the zone's SOA in the authority section: ns.<domain>, hostmaster.<domain>,
// refresh 3600, retry 600, expire 86400 and a minimum TTL of 0 by default
// (Config.SOA), which is also the SOA's own TTL, so that resolvers do not
// cache negative answers.
//
// # Order, limits and truncation
//
// Instances come back in a random order drawn from Config.Rand (seeded in
// tests), so that clients taking the first answer spread their load.
// Config.ARecordLimit (Consul's a_record_limit) caps the A/AAAA answers
// of a service lookup on every transport, after the shuffle. A
// UDP response carries at most Config.UDPAnswerLimit answers (3 by
// default, Consul's udp_answer_limit) and then only as many as fit in 512
// bytes, or in the buffer size the client advertises with EDNS0; the
// additional section keeps the records of the SRV targets still
// answered. A response cut this way carries the TC bit when
// Config.EnableTruncate is set (Consul's enable_truncate, off by default),
// and clients retry over TCP, where the answer is complete up to the
// 64 KiB limit of a DNS message.
//
// # TTLs
//
// Node records carry Config.NodeTTL, service records the TTL that
// Config.ServiceTTL gives the service (an exact name, else the longest
// matching "prefix*", else "*"); both are 0 by default, as in Consul, so
// that resolvers ask again each time and see health changes at once.
//
// # Malformed input
//
// Nothing a client sends can make the server panic. A message that
// miekg/dns cannot decode, or that holds other than one question, gets
// FORMERR; an opcode other than QUERY gets NOTIMP. FuzzAnswer checks that
// every decodable message gets an encodable answer.
//
// # Files
//
//	config.go  Config, its defaults and the service TTL rule
//	source.go  the Source interface and its *catalog.State adapter
//	name.go    parsing query names (the grammar above)
//	answer.go  node, service, SRV and .addr answers
//	query.go   prepared query answers and the QuerySource interface
//	records.go building records, the SOA, the health rules, the shuffle
//	ptr.go     reverse lookups
//	trim.go    the UDP answer limit and truncation
//	server.go  the handler, other datacenters, recursion and the UDP/TCP listeners
package dns
