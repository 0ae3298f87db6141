package main

import (
	"strconv"
	"strings"
)

// defaultHTTPAddr is where client commands find the local agent.
const defaultHTTPAddr = "127.0.0.1:8500"

// firstEnv returns the first non-empty of the named variables.
func firstEnv(getenv func(string) string, names ...string) string {
	for _, n := range names {
		if v := getenv(n); v != "" {
			return v
		}
	}
	return ""
}

// httpAddr returns the agent HTTP address client commands talk to:
// CAIRN_HTTP_ADDR, else CONSUL_HTTP_ADDR, else 127.0.0.1:8500. getenv is
// os.Getenv outside tests.
func httpAddr(getenv func(string) string) string {
	if v := firstEnv(getenv, "CAIRN_HTTP_ADDR", "CONSUL_HTTP_ADDR"); v != "" {
		return v
	}
	return defaultHTTPAddr
}

// httpBaseURL turns an address as httpAddr returns it ("host:port" or a
// URL) into a base URL with a scheme.
func httpBaseURL(addr string) string {
	if strings.Contains(addr, "://") {
		return strings.TrimSuffix(addr, "/")
	}
	return "http://" + addr
}

// httpToken returns the ACL token client commands send: CAIRN_HTTP_TOKEN,
// else CONSUL_HTTP_TOKEN, else "" (the agent's default token applies).
func httpToken(getenv func(string) string) string {
	return firstEnv(getenv, "CAIRN_HTTP_TOKEN", "CONSUL_HTTP_TOKEN")
}

// httpSSL reports whether CAIRN_HTTP_SSL (else CONSUL_HTTP_SSL) asks for
// HTTPS when the address has no scheme.
func httpSSL(getenv func(string) string) bool {
	return envBool(firstEnv(getenv, "CAIRN_HTTP_SSL", "CONSUL_HTTP_SSL"), false)
}

// httpSSLVerify reports whether the agent's certificate is checked:
// CAIRN_HTTP_SSL_VERIFY (else CONSUL_HTTP_SSL_VERIFY) false turns the
// check off, as in Consul.
func httpSSLVerify(getenv func(string) string) bool {
	return envBool(firstEnv(getenv, "CAIRN_HTTP_SSL_VERIFY", "CONSUL_HTTP_SSL_VERIFY"), true)
}

// envBool reads a boolean variable as strconv.ParseBool does, falling
// back to def when it is empty or unreadable.
func envBool(v string, def bool) bool {
	b, err := strconv.ParseBool(v)
	if err != nil {
		return def
	}
	return b
}

// tlsEnv returns the TLS file variables: CAIRN_X, else CONSUL_X, for
// CACERT, CAPATH, CLIENT_CERT, CLIENT_KEY and TLS_SERVER_NAME.
func tlsEnv(getenv func(string) string, name string) string {
	return firstEnv(getenv, "CAIRN_"+name, "CONSUL_"+name)
}
