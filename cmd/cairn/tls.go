package main

import (
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"

	"github.com/cairn-sd/cairn/internal/tlsutil"
)

// runTLS dispatches `cairn tls ca|cert create`, which make the files of
// the agents' "tls" stanza in the current directory, named as Consul's
// `consul tls` names them.
func runTLS(args []string, stdout, stderr io.Writer) int {
	return runGroup("tls", tlsCommands(), args, stdout, stderr)
}

// tlsCommands lists the subcommands of `cairn tls`.
func tlsCommands() []command {
	return []command{
		{"ca", "Create a certificate authority", func(args []string, stdout, stderr io.Writer) int {
			return runGroup("tls ca", tlsCACommands(), args, stdout, stderr)
		}},
		{"cert", "Create server, client and CLI certificates", func(args []string, stdout, stderr io.Writer) int {
			return runGroup("tls cert", tlsCertCommands(), args, stdout, stderr)
		}},
	}
}

// tlsCACommands lists the subcommands of `cairn tls ca`.
func tlsCACommands() []command { return []command{{"create", "Create a new CA", runTLSCACreate}} }

// tlsCertCommands lists the subcommands of `cairn tls cert`.
func tlsCertCommands() []command {
	return []command{{"create", "Create a new certificate", runTLSCertCreate}}
}

const tlsCACreateUsage = `
Usage: cairn tls ca create [options]

  Create a certificate authority for the agents' TLS: writes
  <domain>-agent-ca.pem and <domain>-agent-ca-key.pem in the current
  directory. Keep the key file secret: whoever holds it can make servers.
`

func runTLSCACreate(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("tls ca create", tlsCACreateUsage, stderr)
	domain := fs.String("domain", tlsutil.DefaultDomain, "Domain of the agents' names")
	days := fs.Int("days", tlsutil.DefaultCADays, "Days the CA is valid")
	if code, ok := parseArgs(fs, args, 0, stderr); !ok {
		return code
	}
	if *days <= 0 {
		return usageError(fs, stderr, "-days must be positive")
	}
	certFile, keyFile := *domain+"-agent-ca.pem", *domain+"-agent-ca-key.pem"
	certPEM, keyPEM, err := tlsutil.GenerateCA(tlsutil.CAOptions{Domain: *domain, Days: *days})
	if err != nil {
		fmt.Fprintf(stderr, "==> Error creating the CA: %v\n", err)
		return 1
	}
	return savePair(stdout, stderr, certFile, certPEM, keyFile, keyPEM)
}

const tlsCertCreateUsage = `
Usage: cairn tls cert create [-server|-client|-cli] [options]

  Create a certificate signed by the CA of the current directory
  (<domain>-agent-ca.pem and its key) and write it as
  <dc>-<kind>-<domain>-<n>.pem and <dc>-<kind>-<domain>-<n>-key.pem, with
  the first n not yet taken. A server certificate names
  server.<dc>.<domain>, localhost and 127.0.0.1.
`

// serverCertWarning is printed before a server certificate is made.
const serverCertWarning = `==> WARNING: Server Certificates grants authority to become a
    server and access all state in the cluster including root keys
    and all ACL tokens. Do not distribute them to production hosts
    that are not server nodes. Store them as securely as CA keys.`

func runTLSCertCreate(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("tls cert create", tlsCertCreateUsage, stderr)
	server := fs.Bool("server", false, "Create a server certificate")
	client := fs.Bool("client", false, "Create a client certificate")
	cli := fs.Bool("cli", false, "Create a certificate for the CLI")
	dc := fs.String("dc", "dc1", "Datacenter of the certificate")
	domain := fs.String("domain", tlsutil.DefaultDomain, "Domain of the agents' names")
	days := fs.Int("days", tlsutil.DefaultCertDays, "Days the certificate is valid")
	caFile := fs.String("ca", "", "CA certificate file; default <domain>-agent-ca.pem")
	keyFile := fs.String("key", "", "CA key file; default <domain>-agent-ca-key.pem")
	var dnsNames, ips stringList
	fs.Var(&dnsNames, "additional-dnsname", "Another DNS name for the certificate; repeatable")
	fs.Var(&ips, "additional-ipaddress", "Another IP address for the certificate; repeatable")
	if code, ok := parseArgs(fs, args, 0, stderr); !ok {
		return code
	}
	kind, err := certKind(*server, *client, *cli)
	if err != nil {
		return usageError(fs, stderr, err.Error())
	}
	if *days <= 0 {
		return usageError(fs, stderr, "-days must be positive")
	}
	var addrs []net.IP
	for _, s := range ips {
		ip := net.ParseIP(s)
		if ip == nil {
			return usageError(fs, stderr, fmt.Sprintf("-additional-ipaddress %q is not an IP address", s))
		}
		addrs = append(addrs, ip)
	}
	if *caFile == "" {
		*caFile = *domain + "-agent-ca.pem"
	}
	if *keyFile == "" {
		*keyFile = *domain + "-agent-ca-key.pem"
	}
	caPEM, err := os.ReadFile(*caFile)
	if err != nil {
		fmt.Fprintf(stderr, "==> Error reading the CA certificate: %v\n", err)
		return 1
	}
	caKey, err := os.ReadFile(*keyFile)
	if err != nil {
		fmt.Fprintf(stderr, "==> Error reading the CA key: %v\n", err)
		return 1
	}
	if kind == tlsutil.KindServer {
		fmt.Fprintln(stdout, serverCertWarning)
	}
	certPEM, keyPEM, err := tlsutil.GenerateCert(tlsutil.CertOptions{Kind: kind, Datacenter: *dc, Domain: *domain, Days: *days,
		DNSNames: dnsNames, IPAddresses: addrs, CACert: caPEM, CAKey: caKey})
	if err != nil {
		fmt.Fprintf(stderr, "==> Error creating the certificate: %v\n", err)
		return 1
	}
	fmt.Fprintf(stdout, "==> Using %s and %s\n", *caFile, *keyFile)
	prefix := *dc + "-" + kind.String() + "-" + *domain + "-"
	for n := 0; ; n++ {
		certName := prefix + strconv.Itoa(n) + ".pem"
		_, err := os.Stat(certName)
		switch {
		case errors.Is(err, os.ErrNotExist):
			return savePair(stdout, stderr, certName, certPEM, prefix+strconv.Itoa(n)+"-key.pem", keyPEM)
		case err != nil:
			fmt.Fprintf(stderr, "==> Error saving %s: %v\n", certName, err)
			return 1
		}
	}
}

// certKind reads the kind flags, of which exactly one must be set.
func certKind(server, client, cli bool) (tlsutil.Kind, error) {
	var kinds []tlsutil.Kind
	for _, k := range []struct {
		set  bool
		kind tlsutil.Kind
	}{{server, tlsutil.KindServer}, {client, tlsutil.KindClient}, {cli, tlsutil.KindCLI}} {
		if k.set {
			kinds = append(kinds, k.kind)
		}
	}
	if len(kinds) != 1 {
		return 0, errors.New("Please provide exactly one of -server, -client or -cli")
	}
	return kinds[0], nil
}

// savePair writes a certificate (readable by all) and its key (0600),
// refusing to overwrite either, and reports each file saved.
func savePair(stdout, stderr io.Writer, certFile string, certPEM []byte, keyFile string, keyPEM []byte) int {
	for _, f := range []struct {
		name string
		data []byte
		mode os.FileMode
	}{{certFile, certPEM, 0o644}, {keyFile, keyPEM, 0o600}} {
		if err := writeNew(f.name, f.data, f.mode); err != nil {
			fmt.Fprintf(stderr, "==> Error saving %s: %v\n", f.name, err)
			return 1
		}
		fmt.Fprintf(stdout, "==> Saved %s\n", f.name)
	}
	return 0
}

// writeNew creates name with mode and data; an existing file is an error.
func writeNew(name string, data []byte, mode os.FileMode) error {
	f, err := os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, mode)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
