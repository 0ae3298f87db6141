package config

import (
	"errors"
	"fmt"
	"strings"

	"github.com/cairn-sd/cairn/internal/tlsutil"
)

// tlsLayer is one level of the "tls" stanza as the sources set it: nil
// means the level leaves the setting to the one below (tls.defaults, then
// the built-in default).
type tlsLayer struct {
	caFile, caPath, certFile, keyFile                    *string
	verifyIncoming, verifyOutgoing, verifyServerHostname *bool
	minVersion                                           *uint16
}

// tlsLayers are the three levels of the "tls" stanza.
type tlsLayers struct {
	defaults, https, internalRPC tlsLayer
}

// tlsSchema is the "tls" stanza: tls.defaults, and tls.https and
// tls.internal_rpc that override it per listener, as in Consul.
var tlsSchema = object[*builder]{
	"defaults":     tlsLayerSchema(func(b *builder) *tlsLayer { return &b.tls.defaults }, false).rule(),
	"https":        tlsLayerSchema(func(b *builder) *tlsLayer { return &b.tls.https }, false).rule(),
	"internal_rpc": tlsLayerSchema(func(b *builder) *tlsLayer { return &b.tls.internalRPC }, true).rule(),
}

// tlsLayerSchema is the schema of one level; only internal_rpc has
// verify_server_hostname.
func tlsLayerSchema(layer func(*builder) *tlsLayer, rpc bool) object[*builder] {
	str := func(field func(*tlsLayer) **string) rule[*builder] {
		return stringRule(func(b *builder, s string) error { return setPtr(field(layer(b)), s) })
	}
	flag := func(field func(*tlsLayer) **bool) rule[*builder] {
		return boolRule(func(b *builder, v bool) { *field(layer(b)) = &v })
	}
	o := object[*builder]{
		"ca_file":         str(func(l *tlsLayer) **string { return &l.caFile }),
		"ca_path":         str(func(l *tlsLayer) **string { return &l.caPath }),
		"cert_file":       str(func(l *tlsLayer) **string { return &l.certFile }),
		"key_file":        str(func(l *tlsLayer) **string { return &l.keyFile }),
		"verify_incoming": flag(func(l *tlsLayer) **bool { return &l.verifyIncoming }),
		"verify_outgoing": flag(func(l *tlsLayer) **bool { return &l.verifyOutgoing }),
		"tls_min_version": stringRule(func(b *builder, s string) error {
			v, err := tlsutil.ParseVersion(s)
			if err != nil {
				return fmt.Errorf("must be TLSv1_2 or TLSv1_3, got %q", s)
			}
			layer(b).minVersion = &v
			return nil
		}),
	}
	if rpc {
		o["verify_server_hostname"] = flag(func(l *tlsLayer) **bool { return &l.verifyServerHostname })
	}
	return o
}

// Consul's legacy top-level TLS keys, before the "tls" stanza: they set
// tls.defaults, except the verify_* keys that were already per listener.
var (
	legacyCAFile   = tlsLegacyString(func(b *builder) **string { return &b.tls.defaults.caFile })
	legacyCAPath   = tlsLegacyString(func(b *builder) **string { return &b.tls.defaults.caPath })
	legacyCertFile = tlsLegacyString(func(b *builder) **string { return &b.tls.defaults.certFile })
	legacyKeyFile  = tlsLegacyString(func(b *builder) **string { return &b.tls.defaults.keyFile })

	legacyVerifyIncoming       = tlsLegacyBool(func(b *builder) **bool { return &b.tls.defaults.verifyIncoming })
	legacyVerifyIncomingRPC    = tlsLegacyBool(func(b *builder) **bool { return &b.tls.internalRPC.verifyIncoming })
	legacyVerifyIncomingHTTPS  = tlsLegacyBool(func(b *builder) **bool { return &b.tls.https.verifyIncoming })
	legacyVerifyOutgoing       = tlsLegacyBool(func(b *builder) **bool { return &b.tls.defaults.verifyOutgoing })
	legacyVerifyServerHostname = tlsLegacyBool(func(b *builder) **bool { return &b.tls.internalRPC.verifyServerHostname })
)

func tlsLegacyString(field func(*builder) **string) rule[*builder] {
	return stringRule(func(b *builder, s string) error { return setPtr(field(b), s) })
}

func tlsLegacyBool(field func(*builder) **bool) rule[*builder] {
	return boolRule(func(b *builder, v bool) { *field(b) = &v })
}

// setPtr stores a non-empty path.
func setPtr(dst **string, s string) error {
	if s == "" {
		return errors.New("must not be empty")
	}
	*dst = &s
	return nil
}

// merge returns the level's settings with the defaults under them.
func (l tlsLayer) merge(defaults tlsLayer) tlsutil.Protocol {
	str := func(v, d *string) string {
		if v == nil {
			v = d
		}
		if v == nil {
			return ""
		}
		return *v
	}
	flag := func(v, d *bool) bool {
		if v == nil {
			v = d
		}
		return v != nil && *v
	}
	p := tlsutil.Protocol{
		CAFile: str(l.caFile, defaults.caFile), CAPath: str(l.caPath, defaults.caPath),
		CertFile: str(l.certFile, defaults.certFile), KeyFile: str(l.keyFile, defaults.keyFile),
		VerifyIncoming:       flag(l.verifyIncoming, defaults.verifyIncoming),
		VerifyOutgoing:       flag(l.verifyOutgoing, defaults.verifyOutgoing),
		VerifyServerHostname: flag(l.verifyServerHostname, nil),
	}
	switch {
	case l.minVersion != nil:
		p.MinVersion = *l.minVersion
	case defaults.minVersion != nil:
		p.MinVersion = *defaults.minVersion
	}
	// verify_server_hostname implies verify_outgoing, as in Consul.
	p.VerifyOutgoing = p.VerifyOutgoing || p.VerifyServerHostname
	return p
}

// finishTLS merges the tls levels, checks that ports.https has a
// certificate, and loads the files once so that a missing file or a key
// that does not match its certificate stops the agent at start.
func (b *builder) finishTLS(Options) error {
	c := &b.c
	c.TLS = tlsutil.Config{
		HTTPS:       b.tls.https.merge(b.tls.defaults),
		InternalRPC: b.tls.internalRPC.merge(b.tls.defaults),
		Datacenter:  c.Datacenter,
		Domain:      strings.TrimSuffix(c.DNS.Domain, "."),
	}
	if c.Ports.HTTPS >= 0 && c.TLS.HTTPS.CertFile == "" {
		return b.errAt("ports.https", "the HTTPS listener needs a certificate: set tls.https.cert_file and key_file (or tls.defaults)")
	}
	if _, err := tlsutil.New(c.TLS); err != nil {
		msg := strings.TrimPrefix(err.Error(), tlsutil.ErrInvalid.Error()+": ")
		key, msg, _ := strings.Cut(msg, ": ")
		return b.errAt("tls."+key, "%s", msg)
	}
	return nil
}
