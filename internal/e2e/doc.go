// Package e2e holds end-to-end tests that build the cairn binary and run
// real agent processes on 127.0.0.1, as an operator would: the seed's
// three-server cluster, driven by the official Consul Go client and by the
// cairn command itself. It has no code of its own besides the tests.
package e2e
