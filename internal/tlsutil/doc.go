// Package tlsutil turns an agent's TLS settings into *tls.Config values,
// and makes the certificate authority and the certificates that go with
// them (the `cairn tls` commands).
//
// Without TLS, anyone who can open a TCP connection to a server's port
// (8300) can speak Raft and RPC to it: append entries to its log, vote, or
// read the catalog. TLS closes that door in three steps, with Consul's
// names:
//
//   - verify_incoming: a listener asks every peer for a certificate and
//     refuses one not signed by the configured CA (ca_file or ca_path).
//   - verify_outgoing: an agent dialling a server's port speaks TLS and
//     checks the server's certificate against the same CA.
//   - verify_server_hostname (internal RPC only): a server's certificate
//     must also name server.<datacenter>.<domain> ("server.dc1.consul"),
//     which only server certificates carry. Without it, any agent with a
//     client certificate from the CA could present itself as a server.
//
// The settings come in layers, as in Consul's "tls" stanza: tls.defaults,
// then tls.https and tls.internal_rpc overriding it per listener. Config
// holds the merged result for each of the two listeners; New loads the
// files once and checks them (a missing file, a key that does not match
// its certificate, verify_incoming without a certificate), and the
// Configurator's methods hand out the *tls.Config for each use.
//
// Files:
//   - config.go: Config and Protocol, and the checks on them.
//   - configurator.go: loading the files and building *tls.Config values.
//   - verify.go: the chain and server-name checks done on a handshake.
//   - generate.go: a CA and server, client and CLI certificates (ECDSA
//     P-256), in PEM, as `cairn tls ca create` and `cairn tls cert create`
//     write them.
//   - tlstest/: a CA in a test's temporary directory that issues
//     certificate files, for the tests of the packages that use TLS.
package tlsutil
