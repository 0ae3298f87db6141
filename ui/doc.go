// Package ui is cairn's web UI: a small single-page app that shows what the
// agent knows, served on the HTTP port at /ui/ (Consul's content_path) when
// the agent runs with "ui": true or -dev.
//
// The app is three files in static/: index.html, app.js (vanilla
// JavaScript, no framework, no build step) and style.css. They are compiled
// into the binary with go:embed, so the UI needs no network access beyond
// the agent itself. [Handler] serves them; any other path under the prefix
// answers index.html, because the app routes on the client.
//
// # What it shows
//
// The page is chosen by the URL hash:
//
//	#/services        every service, its tags and its service checks by state
//	#/services/web    each instance of web: node, address, tags, and every
//	                  check (node and service) with status and output
//	#/nodes           every node, its address and its checks by state
//	#/nodes/n1        one node: address, metadata, services, checks
//	#/kv/app/         the keys and sub-folders under app/, and a form to
//	                  create a key or folder (written with ?cas=0)
//	#/kv/app/x        one key: value (decoded from base64), metadata, and
//	                  an editor that saves with ?cas=<ModifyIndex loaded> and
//	                  says so plainly when someone else changed the key first
//	#/sessions        every session: node, behaviour, TTL, lock delay, checks
//	#/cluster         Raft as autopilot judges it: the leader and its term,
//	                  each server's role, last contact, last term, last
//	                  index and health, the failure tolerance; the gossip
//	                  pool: members by state, who is suspected or failed,
//	                  probes sent and failed, suspicions raised, traffic;
//	                  and this agent's own Raft state
//
// The header shows the agent's datacenter, node name and version, and a
// field for an ACL token, kept in the browser's localStorage and sent as
// X-Consul-Token on every request.
//
// # Which endpoints it reads
//
// The app speaks only the Consul-compatible HTTP API, on the same origin:
//
//	GET /v1/agent/self                    header; this agent's Raft state
//	GET /v1/catalog/services              service list
//	GET /v1/health/state/any              check counts on the service and node lists
//	GET /v1/health/service/<name>         service page
//	GET /v1/catalog/nodes                 node list
//	GET /v1/catalog/node/<node>           node page: address, metadata, services
//	GET /v1/health/node/<node>            node page: checks
//	GET /v1/kv/<folder>?keys&separator=/  folder listing
//	GET, PUT, DELETE /v1/kv/<key>         key page (PUT and DELETE with ?cas)
//	GET /v1/session/list                  sessions page
//	GET /v1/operator/autopilot/health     cluster page: each server's health
//	                                      (answered with 429 when one is
//	                                      unhealthy; the body is the same)
//	GET /v1/operator/autopilot/state      cluster page: each server's role
//	GET /v1/agent/members                 cluster page: the LAN members
//	GET /v1/agent/cairn/gossip            cluster page: suspicions, probes
//	                                      and traffic of each gossip pool
//
// The last is a cairn extension, not a Consul endpoint: for each pool the
// agent is in ("LAN", and "WAN" on servers) it answers the members by
// state ("Members": {"alive": 3, "suspect": 0, "failed": 1, "left": 0}),
// the names of the members suspected ("Suspects") and declared failed
// ("Failed") right now, swim's counters since the agent started
// (ProbesSent, ProbesFailed, SuspicionsRaised, Refutations, PacketsSent,
// PacketsReceived, BytesSent, BytesReceived, DecryptFailures,
// DecodeFailures, and whatever counter swim.Stats gains) and Lifeguard's
// HealthScore (0 is healthy). It needs agent:read;
// agent/runtime/cairngossip.go serves it.
//
// # Live refresh
//
// A page stays current through blocking queries, as any Consul client
// does: after the first read, each request carries ?index=<the last
// X-Consul-Index>&wait=30s and the agent holds it until the data changes
// or the wait runs out. Endpoints that answer without an index (the
// cluster page's: autopilot's judgement and gossip are live state, not
// catalog tables) are polled every two seconds instead. Leaving a page
// aborts its outstanding requests.
//
// # Safety
//
// Every name, tag, value and check output reaches the page as text
// (textContent and text nodes, never innerHTML), and index.html is served
// with a Content-Security-Policy that allows only the app's own script,
// style and origin.
//
// # Tests
//
// app_test.go checks app.js as text (it calls only endpoints cairn serves,
// never inserts HTML); testdata/helpers.js runs its pure helpers in node;
// browser_test.go drives the real app in headless Chromium (Debian's
// chromium, through chromedp) against a real -dev agent: every page loads
// without a console error, a service registered through the API appears
// on the open services page, a KV edit saved in the page is what the API
// then reads, and the cluster page names the leader. It fails when
// Chromium is missing (.ci/install-chromium installs it) unless
// CAIRN_UI_TEST_SKIP is set.
//
// Files:
//
//	handler.go         Handler: the embedded files, routes, cache headers
//	static/index.html  the page shell (header, navigation, token field)
//	static/app.js      the app: API client, blocking queries, router, views
//	static/style.css   the look, including the passing/warning/critical colours
package ui
