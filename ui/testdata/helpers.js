// Tests of app.js's pure helpers, run by TestAppHelpersBehaveInNode with
// `node testdata/helpers.js`. Each failed assertion exits non-zero.
"use strict";
const assert = require("node:assert/strict");
const app = require("../static/app.js");

// Routes: the view, and its argument percent-decoded.
const routes = [
  ["", "services", ""],
  ["#/", "services", ""],
  ["#/services", "services", ""],
  ["#/services/web", "services", "web"],
  ["#/services/a%20b%2Fc", "services", "a b/c"],
  ["#/nodes/n1", "nodes", "n1"],
  ["#/kv", "kv", ""],
  ["#/kv/", "kv", ""],
  ["#/kv/app/", "kv", "app/"],
  ["#/kv/app/x", "kv", "app/x"],
  ["#/kv/bad%zz", "kv", "bad%zz"],
  ["#/cluster", "cluster", ""],
];
for (const [hash, view, arg] of routes) assert.deepEqual(app.parseRoute(hash), { view, arg }, hash);

// Links round-trip through parseRoute, slashes kept, other characters encoded.
for (const key of ["", "app/", "app/x", "a b/?#%/k", "ünï/cödé"]) {
  const link = app.href("kv", key);
  assert.ok(!/[ ?#%]/.test(link.slice(2).replace(/%[0-9A-F]{2}/g, "")), link);
  assert.deepEqual(app.parseRoute(link), { view: "kv", arg: key });
}
assert.equal(app.href("services"), "#/services");
assert.equal(app.encodePath("a b/c?d"), "a%20b/c%3Fd");

// Parent folders.
assert.equal(app.parentFolder("x"), "");
assert.equal(app.parentFolder("app/x"), "app/");
assert.equal(app.parentFolder("app/sub/"), "app/");
assert.equal(app.parentFolder("a/b/c"), "a/b/");

// KV values: base64 to UTF-8 text; bytes that are not UTF-8 stay base64.
assert.deepEqual(app.decodeValue(null), { text: "", binary: false });
assert.deepEqual(app.decodeValue(Buffer.from("héllo\n").toString("base64")), { text: "héllo\n", binary: false });
assert.deepEqual(app.decodeValue("/w=="), { text: "/w==", binary: true });

// Check states: counts and the worst, unknown states counting as critical.
const checks = [{ Status: "passing" }, { Status: "warning" }, { Status: "passing" }, { Status: "maintenance" }];
assert.deepEqual(app.countStatuses(checks), { passing: 2, warning: 1, critical: 1 });
assert.equal(app.worstStatus(checks), "critical");
assert.equal(app.worstStatus(checks.slice(0, 3)), "warning");
assert.equal(app.worstStatus([]), "passing");

// Lock delays in nanoseconds.
assert.equal(app.formatNanos(15e9), "15s");
assert.equal(app.formatNanos(250e6), "250ms");
assert.equal(app.formatNanos(0), "0s");

// Cluster view helpers: serf status codes, last contact, quorum, and the
// servers joined with their roles from /state.
assert.equal(app.memberStatus(1), "alive");
assert.equal(app.memberStatus(4), "failed");
assert.equal(app.memberStatus(9), "unknown");
assert.equal(app.formatContact("12.5ms"), "12.5ms");
assert.equal(app.formatContact("-1ns"), "never");
assert.equal(app.formatContact(undefined), "—");
assert.deepEqual([1, 2, 3, 4, 5].map(app.quorumOf), [1, 2, 2, 3, 3]);
const rows = app.serverRows(
  { Servers: [{ ID: "b", Name: "s2", Voter: true }, { ID: "a", Name: "s1", Voter: true, Leader: true }, { ID: "c", Name: "s3", Voter: false }] },
  { Servers: { a: { Status: "leader" }, b: { Status: "voter" } } });
assert.deepEqual(rows.map((r) => [r.Name, r.Status]), [["s1", "leader"], ["s2", "voter"], ["s3", "non-voter"]]);

// Every path in API is an endpoint path.
for (const path of Object.values(app.API)) assert.match(path, /^\/v1\/[a-z/]+$/);

// watch: blocking queries on the last index, no render for an unchanged
// answer, a restart when the index goes backwards, the token on every
// request, and nothing more once aborted. fetch, the clock and the page are
// fakes.
async function testWatch() {
  let nowMs = 0;
  Date.now = () => nowMs;
  globalThis.location = { origin: "http://agent" };
  globalThis.document = { getElementById: () => ({}) };
  const answers = [
    // [expected query, X-Consul-Index to answer]
    ["?keys=&separator=%2F", "5"],
    ["?keys=&separator=%2F&index=5&wait=30s", "5"],
    ["?keys=&separator=%2F&index=5&wait=30s", "7"],
    ["?keys=&separator=%2F&index=7&wait=30s", "3"],
    ["?keys=&separator=%2F", "4"],
    ["?keys=&separator=%2F&index=4&wait=30s", null],
  ];
  const controller = new AbortController();
  const seen = [];
  let calls = 0;
  globalThis.fetch = async (url, options) => {
    const [query, index] = answers[calls++];
    assert.equal(String(url), "http://agent/v1/kv/app/" + query);
    assert.equal(options.headers["X-Consul-Token"], "t0k3n");
    nowMs += 30000; // the server held the request
    if (index === null) {
      controller.abort();
      throw new DOMException("aborted", "AbortError");
    }
    return new Response(JSON.stringify([index]), { headers: { "X-Consul-Index": index } });
  };
  app.setToken("t0k3n");
  await app.watch("/v1/kv/app/", { keys: "", separator: "/" }, controller.signal, (res) => seen.push(res.index));
  assert.equal(calls, answers.length);
  assert.deepEqual(seen, [5, 7, 3, 4]);
}

// request: a status in allowStatus is an answer with its body decoded
// (autopilot's 429), any other failure an ApiError with the status.
async function testAllowStatus() {
  globalThis.fetch = async () => new Response(JSON.stringify({ Healthy: false }), { status: 429 });
  const res = await app.request("/v1/operator/autopilot/health", { allowStatus: [429] });
  assert.equal(res.status, 429);
  assert.deepEqual(res.data, { Healthy: false });
  await assert.rejects(app.request("/v1/operator/autopilot/health"), (err) => err.status === 429);
}

testWatch().then(testAllowStatus).then(() => console.log("ok"), (err) => {
  console.error(err);
  process.exit(1);
});
