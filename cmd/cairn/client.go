package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
)

// stdin is where `kv put KEY -` and `kv import -` read their data; tests
// replace it.
var stdin io.Reader = os.Stdin

// httpFlags are the flags every client command shares, as Consul's CLI
// has them: where the agent listens, the ACL token and, for commands that
// reach the servers, the datacenter and the stale-read switch.
type httpFlags struct {
	addr       string
	token      string
	tokenFile  string
	datacenter string
	stale      bool
	tls        tlsFlags
}

// addHTTPFlags registers -http-addr and -token on fs, and -datacenter and
// -stale too when serverFlags is set (Consul's "server flags").
func addHTTPFlags(fs *flag.FlagSet, serverFlags bool) *httpFlags {
	f := &httpFlags{}
	fs.StringVar(&f.addr, "http-addr", "",
		"Address of the agent's HTTP API (host:port or URL); default CAIRN_HTTP_ADDR, CONSUL_HTTP_ADDR or "+defaultHTTPAddr)
	fs.StringVar(&f.token, "token", "",
		"ACL token sent as X-Consul-Token; default CAIRN_HTTP_TOKEN or CONSUL_HTTP_TOKEN")
	fs.StringVar(&f.tokenFile, "token-file", "",
		"File holding the ACL token; default CAIRN_HTTP_TOKEN_FILE or CONSUL_HTTP_TOKEN_FILE")
	f.tls.register(fs)
	if serverFlags {
		fs.StringVar(&f.datacenter, "datacenter", "", "Datacenter to query; default the agent's own")
		fs.BoolVar(&f.stale, "stale", false, "Allow any server, not only the leader, to answer reads")
	}
	return f
}

// client resolves the flags against the environment into an API client.
// An https:// address, or CAIRN_HTTP_SSL / CONSUL_HTTP_SSL with a bare
// host:port, speaks HTTPS with the TLS flags (tlsclient.go). The token is the first found of -token, -token-file, a token file named
// by CAIRN_HTTP_TOKEN_FILE or CONSUL_HTTP_TOKEN_FILE, and httpToken's
// variables. A token file that cannot be read makes every request fail.
func (f *httpFlags) client() *apiClient {
	addr := f.addr
	if addr == "" {
		addr = httpAddr(os.Getenv)
	}
	c := &apiClient{
		addr:       addr,
		baseURL:    httpBaseURL(withScheme(addr, httpSSL(os.Getenv))),
		token:      f.token,
		datacenter: f.datacenter,
		stale:      f.stale,
		http:       &http.Client{},
	}
	if socket, ok := strings.CutPrefix(addr, "unix://"); ok {
		c.baseURL = "http://unix"
		c.http.Transport = &http.Transport{DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "unix", socket)
		}}
	}
	if t := f.tls.resolve(os.Getenv); strings.HasPrefix(c.baseURL, "https://") || t.any() {
		cfg, err := t.config(httpSSLVerify(os.Getenv))
		if err != nil {
			c.setupErr = err
		} else {
			c.http.Transport = &http.Transport{TLSClientConfig: cfg, Proxy: http.ProxyFromEnvironment}
		}
	}
	tokenFile := f.tokenFile
	if tokenFile == "" {
		tokenFile = firstEnv(os.Getenv, "CAIRN_HTTP_TOKEN_FILE", "CONSUL_HTTP_TOKEN_FILE")
	}
	switch {
	case c.token != "":
	case tokenFile != "":
		data, err := os.ReadFile(tokenFile)
		if err != nil {
			c.setupErr = fmt.Errorf("reading token file: %w", err)
		}
		c.token = strings.TrimSpace(string(data))
	default:
		c.token = httpToken(os.Getenv)
	}
	return c
}

// apiClient sends requests to one agent's /v1 HTTP API with plain
// net/http: it adds the token header, the dc and stale parameters, and
// turns transport failures and non-2xx answers into errors.
type apiClient struct {
	addr       string
	baseURL    string
	token      string
	datacenter string
	stale      bool
	http       *http.Client
	// setupErr, when set, is returned by every request: the client could
	// not be configured (an unreadable token file).
	setupErr error
}

// connError is a request that never got an HTTP answer: the agent is not
// listening, the address does not resolve, the connection broke.
type connError struct {
	addr string
	err  error
}

// Error names the agent's address, so that the operator sees at once
// which agent the CLI tried.
func (e *connError) Error() string {
	return fmt.Sprintf("Error connecting to cairn agent at %s: %v", e.addr, e.err)
}

// Unwrap returns the transport error.
func (e *connError) Unwrap() error { return e.err }

// statusError is an HTTP answer outside 2xx. Its text is the one Consul's
// API client gives, which Consul's CLI prints after its own prefix.
type statusError struct {
	code int
	body string
}

// Error renders "Unexpected response code: 500 (No path to datacenter)".
func (e *statusError) Error() string {
	return fmt.Sprintf("Unexpected response code: %d (%s)", e.code, e.body)
}

// errMalformed marks an answer whose body could not be decoded.
var errMalformed = errors.New("malformed response from agent")

// response is a completed answer: its status, body and headers (a
// blocking query reads X-Consul-Index from them).
type response struct {
	code   int
	body   []byte
	header http.Header
}

// do sends one request and fails on any answer outside 2xx. path starts
// with "/v1/"; query may be nil; body, when not nil, is sent as
// application/octet-stream (KV values and event payloads).
func (c *apiClient) do(method, path string, query url.Values, body []byte) (*response, error) {
	resp, err := c.send(method, path, query, body)
	if err != nil {
		return nil, err
	}
	if resp.code/100 != 2 {
		return nil, &statusError{code: resp.code, body: oneLine(string(resp.body))}
	}
	return resp, nil
}

// send is do without the status check: some callers treat 404 as an
// answer (a KV key that does not exist).
func (c *apiClient) send(method, path string, query url.Values, body []byte) (*response, error) {
	return c.sendContext(context.Background(), method, path, query, body)
}

// sendContext is send with a context that can cancel the request: a
// blocking query that lock or watch no longer needs.
func (c *apiClient) sendContext(ctx context.Context, method, path string, query url.Values, body []byte) (*response, error) {
	if c.setupErr != nil {
		return nil, c.setupErr
	}
	req, err := http.NewRequestWithContext(ctx, method, c.requestURL(path, query), bodyReader(body))
	if err != nil {
		return nil, &connError{addr: c.addr, err: err}
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/octet-stream")
	}
	if c.token != "" {
		req.Header.Set("X-Consul-Token", c.token)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, &connError{addr: c.addr, err: transportReason(err)}
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, &connError{addr: c.addr, err: fmt.Errorf("reading response: %w", err)}
	}
	return &response{code: resp.StatusCode, body: data, header: resp.Header}, nil
}

// requestURL joins the base URL, the path and the query, adding dc and
// stale when the command was given them.
func (c *apiClient) requestURL(path string, query url.Values) string {
	q := url.Values{}
	for k, vs := range query {
		q[k] = append([]string(nil), vs...)
	}
	if c.datacenter != "" {
		q.Set("dc", c.datacenter)
	}
	if c.stale {
		q.Set("stale", "")
	}
	u := c.baseURL + path
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	return u
}

// getJSON fetches path and decodes its JSON body into out.
func (c *apiClient) getJSON(path string, query url.Values, out any) error {
	resp, err := c.do(http.MethodGet, path, query, nil)
	if err != nil {
		return err
	}
	return decodeJSON(resp.body, out)
}

// decodeJSON decodes an agent's answer, wrapping failures in errMalformed.
func decodeJSON(body []byte, out any) error {
	if err := json.Unmarshal(body, out); err != nil {
		return fmt.Errorf("%w: %v", errMalformed, err)
	}
	return nil
}

// bodyReader returns nil for a nil body, so that GETs carry none.
func bodyReader(body []byte) io.Reader {
	if body == nil {
		return nil
	}
	return bytes.NewReader(body)
}

// transportReason strips net/http's "Get \"url\": " wrapper, leaving the
// dial or read error itself.
func transportReason(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// oneLine trims an error body and folds it onto one line, so that each
// error the CLI prints is a single line.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// reportError prints err on one line of stderr and returns exit code 1.
// A transport failure prints its own line naming the agent's address;
// anything else follows Consul's "<prefix>: <reason>".
func reportError(stderr io.Writer, prefix string, err error) int {
	var ce *connError
	if errors.As(err, &ce) {
		fmt.Fprintln(stderr, ce.Error())
		return 1
	}
	fmt.Fprintf(stderr, "%s: %v\n", prefix, err)
	return 1
}
