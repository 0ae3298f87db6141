// cairn web UI: a single-page app over the agent's Consul-compatible HTTP
// API on the same origin. No framework, no build step.
//
// How it works:
//   - The view is chosen by the URL hash (#/services, #/kv/app/, ...);
//     route() tears down the old view and builds the new one.
//   - A view reads its data through live(): one blocking query per
//     endpoint (?index=<last X-Consul-Index>&wait=30s), so the page updates
//     as soon as the catalog changes. Endpoints that do not block are
//     polled. Leaving the view aborts its requests (AbortController).
//   - Every request carries the ACL token from the header form
//     (X-Consul-Token), kept in localStorage.
//   - Data reaches the page only as text nodes (el() and textContent),
//     never as HTML, so a service or key named "<script>" stays a name.
"use strict";

// API lists every endpoint the UI reads or writes. A path ending in "/" is
// followed by a name (service, node or key).
const API = {
  self: "/v1/agent/self",
  services: "/v1/catalog/services",
  healthService: "/v1/health/service/",
  healthState: "/v1/health/state/any",
  nodes: "/v1/catalog/nodes",
  node: "/v1/catalog/node/",
  healthNode: "/v1/health/node/",
  kv: "/v1/kv/",
  sessions: "/v1/session/list",
  autopilotHealth: "/v1/operator/autopilot/health",
  autopilotState: "/v1/operator/autopilot/state",
  members: "/v1/agent/members",
  gossip: "/v1/agent/cairn/gossip",
};

const WAIT = "30s"; // how long the server may hold a blocking query
const POLL_MS = 2000; // refresh period of endpoints that do not block
const RETRY_MIN_MS = 1000; // first wait after a failed request
const RETRY_MAX_MS = 30000; // longest wait between retries
const TOKEN_KEY = "cairn-ui-token";

// ---------------------------------------------------------------- helpers

// el builds an element. attrs sets attributes ("class", "href", ...),
// properties ("value", "disabled") or listeners ("onclick"); children may
// be nodes, strings (inserted as text, never parsed), arrays or null.
function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined) continue;
    if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
    else if (name in node) node[name] = value;
    else if (value !== false) node.setAttribute(name, value === true ? "" : String(value));
  }
  append(node, children);
  return node;
}

// append adds children to node the way el() does.
function append(node, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

// replace swaps all of node's children for the given ones.
function replace(node, ...children) {
  node.replaceChildren();
  append(node, children);
}

// sleep waits ms, or less if signal aborts.
function sleep(ms, signal) {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done);
  });
}

// byName compares strings for sorting lists by name.
function byName(a, b) {
  return a < b ? -1 : a > b ? 1 : 0;
}

// STATUS_ORDER ranks check statuses from best to worst.
const STATUS_ORDER = ["passing", "warning", "critical"];

// normalStatus maps a check status to passing, warning or critical; an
// unknown status (maintenance, a typo) counts as critical.
function normalStatus(status) {
  return STATUS_ORDER.includes(status) ? status : "critical";
}

// countStatuses counts checks by status.
function countStatuses(checks) {
  const counts = { passing: 0, warning: 0, critical: 0 };
  for (const check of checks || []) counts[normalStatus(check.Status)]++;
  return counts;
}

// worstStatus answers the worst status among checks, passing when none.
function worstStatus(checks) {
  let worst = 0;
  for (const check of checks || []) {
    worst = Math.max(worst, STATUS_ORDER.indexOf(normalStatus(check.Status)));
  }
  return STATUS_ORDER[worst];
}

// badge shows a status in its colour.
function badge(status, label) {
  return el("span", { class: "badge " + normalStatus(status) }, label === undefined ? status : label);
}

// healthCounts shows passing, warning and critical counts side by side.
function healthCounts(checks) {
  if (!checks || checks.length === 0) return el("span", { class: "empty" }, "no checks");
  const counts = countStatuses(checks);
  return el("span", { class: "counts" },
    STATUS_ORDER.map((s) => badge(s, counts[s] + " " + s)));
}

// table builds a table with a header row and one row per item.
function table(headers, rows, empty) {
  if (rows.length === 0) return el("p", { class: "empty" }, empty);
  return el("table", null,
    el("thead", null, el("tr", null, headers.map((h) => el("th", null, h)))),
    el("tbody", null, rows.map((cells) => el("tr", null, cells.map((c) => el("td", null, c))))));
}

// keyValueList shows pairs as a definition list.
function keyValueList(pairs) {
  return el("dl", { class: "facts" },
    pairs.map(([k, v]) => [el("dt", null, k), el("dd", null, v)]));
}

// tags shows a list of tags.
function tags(list) {
  return (list || []).map((t) => el("span", { class: "tag" }, t));
}

// formatNanos shows a Go duration given in nanoseconds.
function formatNanos(ns) {
  if (!ns) return "0s";
  return ns % 1e9 === 0 ? ns / 1e9 + "s" : ns / 1e6 + "ms";
}

// -------------------------------------------------------------- API client

// ApiError is a failed request, with the HTTP status (0: no answer).
class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

// sessionToken is the token in use; it falls back to memory when
// localStorage is unavailable.
let sessionToken = "";

// token answers the ACL token kept in localStorage, "" when none.
function token() {
  try {
    return localStorage.getItem(TOKEN_KEY) || "";
  } catch {
    return "";
  }
}

// setToken keeps the ACL token, or forgets it when empty.
function setToken(value) {
  try {
    if (value) localStorage.setItem(TOKEN_KEY, value);
    else localStorage.removeItem(TOKEN_KEY);
  } catch {
    // Storage disabled: the token lasts until the page is reloaded.
  }
  sessionToken = value;
}

// request calls the HTTP API. It answers { status, index, data }: index is
// the X-Consul-Index header as a number (null when absent or malformed,
// which makes watch() poll the endpoint) and data the
// decoded JSON body (null for an empty body). A 404 is an answer, not an
// error, when options.allow404 is set (an empty KV folder, a deleted key);
// so is any status listed in options.allowStatus, whose body is decoded
// (autopilot's health answers 429 with its report when a server is
// unhealthy).
async function request(path, options = {}) {
  const url = new URL(path, location.origin);
  for (const [name, value] of Object.entries(options.params || {})) {
    url.searchParams.set(name, String(value));
  }
  const headers = {};
  if (sessionToken) headers["X-Consul-Token"] = sessionToken;
  let res;
  try {
    res = await fetch(url, { method: options.method || "GET", headers, body: options.body, signal: options.signal });
  } catch (err) {
    if (err.name === "AbortError") throw err;
    throw new ApiError(0, "cannot reach the agent: " + err.message);
  }
  const text = await res.text();
  const allowed = (options.allowStatus || []).includes(res.status);
  if (!res.ok && !allowed && !(res.status === 404 && options.allow404)) {
    throw new ApiError(res.status, describeFailure(res.status, text));
  }
  const index = Number(res.headers.get("X-Consul-Index") || NaN);
  return {
    status: res.status,
    index: Number.isSafeInteger(index) && index >= 0 ? index : null,
    data: (res.ok || allowed) && text !== "" ? JSON.parse(text) : null,
  };
}

// describeFailure turns an error answer into a sentence.
function describeFailure(status, text) {
  const detail = text.trim();
  if (status === 403) {
    return "Permission denied: the ACL token does not allow this" + (detail ? " (" + detail + ")" : "") + ".";
  }
  return "HTTP " + status + (detail ? ": " + detail : "");
}

// watch reads path again and again and calls onData with each new answer.
// After the first read it sends ?index=<last X-Consul-Index>&wait=30s, so
// the server holds the request until something changes; an answer at the
// same index (the wait ran out) is not passed on. An endpoint without the
// header is polled every POLL_MS. Failures are shown and retried with
// backoff. It stops when signal aborts. options are passed to request.
async function watch(path, params, signal, onData, options = {}) {
  let index = 0; // the last X-Consul-Index seen
  let seen = false; // whether onData has had an answer yet
  let retryMs = RETRY_MIN_MS;
  while (!signal.aborted) {
    try {
      const query = Object.assign({}, params, index > 0 ? { index, wait: WAIT } : {});
      const startedMs = Date.now();
      const res = await request(path, Object.assign({}, options, { params: query, signal, allow404: true }));
      retryMs = RETRY_MIN_MS;
      if (signal.aborted) return;
      showError(null);
      if (res.index === null) {
        onData(res);
        await sleep(POLL_MS, signal);
        continue;
      }
      if (!seen || res.index !== index) onData(res);
      seen = true;
      // An index that goes backwards (a restored snapshot, another server)
      // restarts the watch; 0 is never sent as a blocking index.
      const next = res.index < index ? 0 : Math.max(res.index, 1);
      // A server that answers at once without a newer index is not holding
      // the request: wait rather than spin.
      if (next <= index && Date.now() - startedMs < RETRY_MIN_MS) await sleep(POLL_MS, signal);
      index = next;
    } catch (err) {
      if (signal.aborted) return;
      showError(err.message);
      await sleep(retryMs, signal);
      retryMs = Math.min(retryMs * 2, RETRY_MAX_MS);
    }
  }
}

// live watches several endpoints at once. sources maps a name to
// { path, params, options } (options for request); render is called with { name: answer } once every
// source has answered, and again whenever one of them changes.
function live(signal, sources, render) {
  const latest = {};
  const names = Object.keys(sources);
  for (const name of names) {
    watch(sources[name].path, sources[name].params || {}, signal, (res) => {
      latest[name] = res;
      if (names.every((n) => n in latest)) render(latest);
    }, sources[name].options);
  }
}

// showError shows a message in the banner, or hides it for null.
function showError(message) {
  const banner = document.getElementById("error");
  banner.textContent = message || "";
  banner.hidden = !message;
}

// --------------------------------------------------------------- routing

// parseRoute reads a location hash: "#/services/web" gives
// { view: "services", arg: "web" }. For kv, arg is the key or folder path
// ("app/", "app/x", "" for the root); names are percent-decoded.
function parseRoute(hash) {
  const path = hash.replace(/^#?\/?/, "");
  const slash = path.indexOf("/");
  const view = slash < 0 ? path : path.slice(0, slash);
  const rest = slash < 0 ? "" : path.slice(slash + 1);
  const arg = rest.split("/").map(decodeSegment).join("/");
  return { view: view || "services", arg };
}

// decodeSegment percent-decodes one path segment, leaving a malformed one
// as it is.
function decodeSegment(segment) {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

// encodePath percent-encodes each segment of a slash-separated name.
function encodePath(path) {
  return path.split("/").map(encodeURIComponent).join("/");
}

// href builds a hash link to a view.
function href(view, arg) {
  return "#/" + view + (arg === undefined ? "" : "/" + encodePath(arg));
}

// VIEWS maps a route's view name to the function that builds it.
const VIEWS = {
  services: (root, arg, signal) => (arg ? serviceView(root, arg, signal) : servicesView(root, signal)),
  nodes: (root, arg, signal) => (arg ? nodeView(root, arg, signal) : nodesView(root, signal)),
  kv: (root, arg, signal) => (arg === "" || arg.endsWith("/") ? kvFolderView(root, arg, signal) : kvKeyView(root, arg, signal)),
  sessions: (root, _arg, signal) => sessionsView(root, signal),
  cluster: (root, _arg, signal) => clusterView(root, signal),
};

// current aborts the requests of the view on screen.
let current = null;

// route shows the view named by the hash, abandoning the previous one.
function route() {
  if (current) current.abort();
  current = new AbortController();
  const { view, arg } = parseRoute(location.hash);
  for (const link of document.querySelectorAll("#nav a")) {
    link.classList.toggle("active", link.dataset.view === view);
  }
  showError(null);
  const root = el("section", { class: "view" });
  replace(document.getElementById("view"), root);
  const build = VIEWS[view];
  if (build) build(root, arg, current.signal);
  else replace(root, el("h1", null, "Not found"), el("p", null, "No page at ", location.hash, "."));
}

// -------------------------------------------------------------- services

// servicesView lists every service with its tags and the states of its
// service checks.
function servicesView(root, signal) {
  const body = el("div", null, el("p", { class: "empty" }, "Loading…"));
  replace(root, el("h1", null, "Services"), body);
  live(signal, { services: { path: API.services }, checks: { path: API.healthState } }, ({ services, checks }) => {
    const byService = {};
    for (const check of checks.data || []) {
      if (check.ServiceName) (byService[check.ServiceName] ||= []).push(check);
    }
    const names = Object.keys(services.data || {}).sort(byName);
    replace(body, table(["Service", "Tags", "Service checks"], names.map((name) => [
      el("a", { href: href("services", name) }, name),
      tags(services.data[name]),
      healthCounts(byService[name]),
    ]), "No services are registered."));
  });
}

// serviceView shows the instances of one service, each with its node and
// service checks.
function serviceView(root, name, signal) {
  const summary = el("p");
  const body = el("div", null, el("p", { class: "empty" }, "Loading…"));
  replace(root, el("p", { class: "crumbs" }, el("a", { href: href("services") }, "Services"), " / "),
    el("h1", null, name), summary, body);
  live(signal, { instances: { path: API.healthService + encodeURIComponent(name) } }, ({ instances }) => {
    const list = (instances.data || []).slice().sort((a, b) => byName(a.Node.Node + a.Service.ID, b.Node.Node + b.Service.ID));
    replace(summary, list.length + " instance" + (list.length === 1 ? "" : "s") + " ",
      healthCounts(list.flatMap((i) => i.Checks || [])));
    replace(body, list.length === 0 ? el("p", { class: "empty" }, "No instances of this service.") :
      list.map(instanceCard));
  });
}

// instanceCard shows one service instance and its checks.
function instanceCard(instance) {
  const svc = instance.Service;
  const address = (svc.Address || instance.Node.Address) + (svc.Port ? ":" + svc.Port : "");
  return el("article", { class: "card" },
    el("h2", null, badge(worstStatus(instance.Checks), worstStatus(instance.Checks)), " ", svc.ID),
    keyValueList([
      ["Node", el("a", { href: href("nodes", instance.Node.Node) }, instance.Node.Node)],
      ["Address", address],
      ["Tags", tags(svc.Tags)],
    ]),
    checksTable(instance.Checks));
}

// checksTable lists health checks with their status and last output.
function checksTable(checks) {
  const list = (checks || []).slice().sort((a, b) => byName(a.CheckID, b.CheckID));
  return table(["Check", "Status", "Service", "Output"], list.map((c) => [
    c.Name || c.CheckID,
    badge(c.Status),
    c.ServiceName || "(node)",
    el("pre", { class: "output" }, c.Output || ""),
  ]), "No checks.");
}

// ----------------------------------------------------------------- nodes

// nodesView lists every node with its address and the states of all its
// checks.
function nodesView(root, signal) {
  const body = el("div", null, el("p", { class: "empty" }, "Loading…"));
  replace(root, el("h1", null, "Nodes"), body);
  live(signal, { nodes: { path: API.nodes }, checks: { path: API.healthState } }, ({ nodes, checks }) => {
    const byNode = {};
    for (const check of checks.data || []) (byNode[check.Node] ||= []).push(check);
    const list = (nodes.data || []).slice().sort((a, b) => byName(a.Node, b.Node));
    replace(body, table(["Node", "Address", "Datacenter", "Checks"], list.map((n) => [
      el("a", { href: href("nodes", n.Node) }, n.Node),
      n.Address,
      n.Datacenter || "",
      healthCounts(byNode[n.Node]),
    ]), "No nodes are registered."));
  });
}

// nodeView shows one node: its address, metadata, services and checks.
function nodeView(root, name, signal) {
  const body = el("div", null, el("p", { class: "empty" }, "Loading…"));
  replace(root, el("p", { class: "crumbs" }, el("a", { href: href("nodes") }, "Nodes"), " / "),
    el("h1", null, name), body);
  live(signal, {
    node: { path: API.node + encodeURIComponent(name) },
    checks: { path: API.healthNode + encodeURIComponent(name) },
  }, ({ node, checks }) => {
    if (!node.data || !node.data.Node) {
      replace(body, el("p", { class: "empty" }, "This node is not in the catalog."));
      return;
    }
    const info = node.data.Node;
    const services = Object.values(node.data.Services || {}).sort((a, b) => byName(a.ID, b.ID));
    replace(body,
      keyValueList([
        ["Address", info.Address],
        ["Datacenter", info.Datacenter || ""],
        ["ID", info.ID || ""],
        ["Health", healthCounts(checks.data)],
        ...Object.keys(info.Meta || {}).sort(byName).map((k) => ["meta " + k, info.Meta[k]]),
      ]),
      el("h2", null, "Services"),
      table(["Service", "ID", "Port", "Tags"], services.map((s) => [
        el("a", { href: href("services", s.Service) }, s.Service), s.ID, String(s.Port || ""), tags(s.Tags),
      ]), "No services on this node."),
      el("h2", null, "Checks"),
      checksTable(checks.data));
  });
}

// ------------------------------------------------------------- key/value

// kvCrumbs links the root and each folder above path ("" for the root,
// which needs none).
function kvCrumbs(path) {
  if (path === "") return null;
  const crumbs = [el("a", { href: href("kv", "") }, "Key/Value"), " / "];
  let prefix = "";
  for (const part of parentFolder(path).split("/").slice(0, -1)) {
    prefix += part + "/";
    crumbs.push(el("a", { href: href("kv", prefix) }, part + "/"), " ");
  }
  return el("p", { class: "crumbs" }, crumbs);
}

// kvURL is the API path of a key or folder.
function kvURL(key) {
  return API.kv + encodePath(key);
}

// parentFolder answers the folder holding key ("" for the root).
function parentFolder(key) {
  const trimmed = key.endsWith("/") ? key.slice(0, -1) : key;
  const slash = trimmed.lastIndexOf("/");
  return slash < 0 ? "" : trimmed.slice(0, slash + 1);
}

// decodeValue turns a KV value (base64, or null) into text. It answers
// { text, binary }: binary is set when the bytes are not UTF-8, and text
// then holds the base64 form.
function decodeValue(value) {
  if (!value) return { text: "", binary: false };
  const bytes = Uint8Array.from(atob(value), (c) => c.charCodeAt(0));
  try {
    return { text: new TextDecoder("utf-8", { fatal: true }).decode(bytes), binary: false };
  } catch {
    return { text: value, binary: true };
  }
}

// kvFolderView lists the keys and sub-folders of a folder and offers a
// form to create a key or folder in it.
function kvFolderView(root, folder, signal) {
  const body = el("div", null, el("p", { class: "empty" }, "Loading…"));
  replace(root, kvCrumbs(folder), el("h1", null, folder || "Key/Value"), body, kvCreateForm(folder));
  live(signal, { keys: { path: kvURL(folder), params: { keys: "", separator: "/" } } }, ({ keys }) => {
    const entries = (keys.data || []).filter((k) => k !== folder).sort(byName);
    replace(body, table(["Name", "Kind"], entries.map((k) => [
      el("a", { href: href("kv", k) }, k.slice(folder.length)),
      k.endsWith("/") ? "folder" : "key",
    ]), "This folder is empty."));
  });
}

// kvCreateForm creates a key (or, for a name ending in "/", a folder)
// under folder. It writes with ?cas=0, so an existing key is never
// overwritten.
function kvCreateForm(folder) {
  const name = el("input", { type: "text", required: true, placeholder: "name, or name/ for a folder", spellcheck: false });
  const value = el("textarea", { rows: 6, placeholder: "value", spellcheck: false });
  const message = el("p", { class: "message" });
  const submit = async (event) => {
    event.preventDefault();
    const key = folder + name.value;
    const isFolder = key.endsWith("/");
    try {
      const res = await request(kvURL(key), { method: "PUT", params: { cas: 0 }, body: isFolder ? "" : value.value });
      if (res.data === false) {
        message.textContent = "Not created: " + key + " already exists.";
        return;
      }
      location.hash = href("kv", key);
    } catch (err) {
      message.textContent = "Not created: " + err.message;
    }
  };
  return el("form", { class: "editor", onsubmit: submit },
    el("h2", null, "Create"), name, value, el("button", { type: "submit" }, "Create"), message);
}

// kvKeyView shows one key's value and metadata and lets the user edit or
// delete it. Saving sends ?cas=<ModifyIndex as loaded>, so an edit never
// silently overwrites a change made since.
function kvKeyView(root, key, signal) {
  const meta = el("div");
  const value = el("textarea", { rows: 14, spellcheck: false });
  const notice = el("p", { class: "notice", hidden: true });
  const message = el("p", { class: "message" });
  const state = { loaded: null, dirty: false };
  value.addEventListener("input", () => { state.dirty = true; });

  const load = (pair) => {
    state.loaded = pair;
    state.dirty = false;
    const decoded = decodeValue(pair.Value);
    value.value = decoded.text;
    value.readOnly = decoded.binary;
    notice.hidden = !decoded.binary;
    notice.textContent = decoded.binary ? "The value is not UTF-8 text; it is shown as base64 and cannot be edited here." : "";
    replace(meta, kvFacts(pair));
  };
  const save = () => kvSave(key, value.value, state, message, load);
  const remove = () => kvDelete(key, state, message);
  const reload = () => kvReload(key, message, load);

  replace(root, kvCrumbs(key), el("h1", null, key), meta, notice,
    el("div", { class: "editor" }, value,
      el("div", { class: "actions" },
        el("button", { type: "button", onclick: save }, "Save"),
        el("button", { type: "button", class: "secondary", onclick: reload }, "Reload"),
        el("button", { type: "button", class: "danger", onclick: remove }, "Delete"))),
    message);

  live(signal, { pair: { path: kvURL(key) } }, ({ pair }) => {
    const current = pair.data && pair.data[0];
    if (!current) {
      state.loaded = null;
      message.textContent = "This key does not exist (it may have been deleted).";
      return;
    }
    if (!state.loaded || !state.dirty) {
      load(current);
    } else if (current.ModifyIndex !== state.loaded.ModifyIndex) {
      message.textContent = "Someone else changed this key (now at ModifyIndex " + current.ModifyIndex +
        "). Saving your edit will fail; Reload shows the new value (your edit is discarded).";
    }
  });
}

// kvFacts shows a key's metadata.
function kvFacts(pair) {
  return keyValueList([
    ["CreateIndex", String(pair.CreateIndex)],
    ["ModifyIndex", String(pair.ModifyIndex)],
    ["LockIndex", String(pair.LockIndex)],
    ["Flags", String(pair.Flags)],
    ["Session", pair.Session || "(none)"],
  ]);
}

// kvSave writes an edited value with check-and-set on the loaded
// ModifyIndex, keeping the key's flags. On success the key is read again
// so the editor holds the new ModifyIndex.
async function kvSave(key, text, state, message, load) {
  if (!state.loaded) {
    message.textContent = "Nothing to save: the key is not loaded.";
    return;
  }
  const loadedIndex = state.loaded.ModifyIndex;
  try {
    const params = { cas: loadedIndex };
    if (state.loaded.Flags) params.flags = state.loaded.Flags;
    const res = await request(kvURL(key), { method: "PUT", params, body: text });
    if (res.data === false) {
      message.textContent = "Not saved: the value changed since you loaded it (check-and-set on ModifyIndex " +
        loadedIndex + " failed). Reload to see the current value, then apply your edit again.";
      return;
    }
    const fresh = await request(kvURL(key), { allow404: true });
    if (fresh.data && fresh.data[0]) load(fresh.data[0]);
    message.textContent = "Saved.";
  } catch (err) {
    message.textContent = "Not saved: " + err.message;
  }
}

// kvReload reads the key again and puts its current value in the editor,
// discarding any edit.
async function kvReload(key, message, load) {
  try {
    const res = await request(kvURL(key), { allow404: true });
    if (res.data && res.data[0]) {
      load(res.data[0]);
      message.textContent = "Loaded the current value.";
    } else {
      message.textContent = "This key does not exist (it may have been deleted).";
    }
  } catch (err) {
    message.textContent = "Not reloaded: " + err.message;
  }
}

// kvDelete deletes the key after confirmation, with check-and-set on the
// loaded ModifyIndex, then shows its folder.
async function kvDelete(key, state, message) {
  if (!state.loaded || !confirm("Delete " + key + "?")) return;
  try {
    const res = await request(kvURL(key), { method: "DELETE", params: { cas: state.loaded.ModifyIndex } });
    if (res.data === false) {
      message.textContent = "Not deleted: the value changed since you loaded it. Reload to see it, then try again.";
      return;
    }
    location.hash = href("kv", parentFolder(key));
  } catch (err) {
    message.textContent = "Not deleted: " + err.message;
  }
}

// -------------------------------------------------------------- sessions

// sessionsView lists every session: its node, behaviour, TTL and the
// checks it is tied to.
function sessionsView(root, signal) {
  const body = el("div", null, el("p", { class: "empty" }, "Loading…"));
  replace(root, el("h1", null, "Sessions"), body);
  live(signal, { sessions: { path: API.sessions } }, ({ sessions }) => {
    const list = (sessions.data || []).slice().sort((a, b) => byName(a.ID, b.ID));
    replace(body, table(["ID", "Name", "Node", "Behavior", "TTL", "Lock delay", "Checks"], list.map((s) => [
      el("code", null, s.ID),
      s.Name || "",
      el("a", { href: href("nodes", s.Node) }, s.Node),
      s.Behavior || "release",
      s.TTL || "",
      formatNanos(s.LockDelay),
      [...(s.NodeChecks || s.Checks || []), ...(s.ServiceChecks || []).map((c) => c.ID)].join(", "),
    ]), "No sessions."));
  });
}

// --------------------------------------------------------------- cluster

// MEMBER_STATUS names serf's member status codes (/v1/agent/members).
const MEMBER_STATUS = ["none", "alive", "leaving", "left", "failed"];

// memberStatus names a member's status code.
function memberStatus(code) {
  return MEMBER_STATUS[code] || "unknown";
}

// formatContact shows a server's LastContact ("12.5ms", "0s"); a negative
// duration means the leader has not heard from it in this term.
function formatContact(contact) {
  if (contact === undefined || contact === null || contact === "") return "—";
  return String(contact).startsWith("-") ? "never" : String(contact);
}

// quorumOf answers how many voters make a quorum.
function quorumOf(voters) {
  return Math.floor(voters / 2) + 1;
}

// serverRows joins /v1/operator/autopilot/health's servers with
// /state's role of each, sorted by name.
function serverRows(health, state) {
  const roles = (state && state.Servers) || {};
  return ((health && health.Servers) || []).slice()
    .sort((a, b) => byName(a.Name + a.ID, b.Name + b.ID))
    .map((s) => Object.assign({}, s, { Status: (roles[s.ID] && roles[s.ID].Status) || (s.Voter ? "voter" : "non-voter") }));
}

// clusterView shows Raft as autopilot sees it (the leader, its term, and
// for each server its role, last contact, last index and health) and the
// gossip pool (members by state, suspicions and probe failures), polled
// every few seconds, plus this agent's own Raft state.
function clusterView(root, signal) {
  const raftBody = el("div", { id: "cluster-raft" }, el("p", { class: "empty" }, "Loading…"));
  const gossipBody = el("div", { id: "cluster-gossip" }, el("p", { class: "empty" }, "Loading…"));
  const selfBody = el("div");
  replace(root, el("h1", null, "Cluster"), el("h2", null, "Raft"), raftBody,
    el("h2", null, "Gossip"), gossipBody, el("h2", null, "This agent's Raft state"), selfBody);
  live(signal, {
    health: { path: API.autopilotHealth, options: { allowStatus: [429] } },
    state: { path: API.autopilotState },
  }, ({ health, state }) => replace(raftBody, raftSection(health.data, state.data)));
  live(signal, { members: { path: API.members }, gossip: { path: API.gossip } },
    ({ members, gossip }) => replace(gossipBody, gossipSection(members.data || [], gossip.data || {})));
  live(signal, { self: { path: API.self } }, ({ self }) => {
    const stats = (self.data && self.data.Stats && self.data.Stats.raft) || {};
    replace(selfBody, keyValueList(Object.keys(stats).sort(byName).map((k) => [k, stats[k]])));
  });
}

// raftSection shows the leader's judgement of the Raft servers.
function raftSection(health, state) {
  const rows = serverRows(health, state);
  const leader = rows.find((s) => s.Leader);
  const voters = rows.filter((s) => s.Voter).length;
  return [
    keyValueList([
      ["Leader", leader ? el("span", { class: "leader-name" }, leader.Name || leader.ID) : badge("critical", "no leader known")],
      ["Term", leader ? String(leader.LastTerm) : "—"],
      ["Health", health && health.Healthy ? badge("passing", "healthy") : badge("critical", "unhealthy")],
      ["Voters", String(voters) + (voters ? " (quorum " + quorumOf(voters) + ")" : "")],
      ["Failure tolerance", String(health ? health.FailureTolerance : "—")],
      ["Optimistic failure tolerance", String(state ? state.OptimisticFailureTolerance : "—")],
    ]),
    table(["Server", "Role", "Address", "Gossip", "Last contact", "Last term", "Last index", "Health", "Stable since"],
      rows.map((s) => [
        s.Name ? el("a", { href: href("nodes", s.Name) }, s.Name) : el("code", null, s.ID),
        s.Leader ? badge("passing", "leader") : s.Status,
        s.Address,
        s.SerfStatus === "alive" ? s.SerfStatus : badge("critical", s.SerfStatus),
        formatContact(s.LastContact),
        String(s.LastTerm),
        String(s.LastIndex),
        s.Healthy ? badge("passing", "healthy") : badge("critical", "unhealthy"),
        s.StableSince || "",
      ]), "No Raft servers known."),
  ];
}

// gossipSection shows the LAN pool: members by state and each member,
// then the pools' counters (cairn's gossip extension endpoint).
function gossipSection(members, gossip) {
  const byStatus = {};
  for (const m of members) byStatus[memberStatus(m.Status)] = (byStatus[memberStatus(m.Status)] || 0) + 1;
  const list = members.slice().sort((a, b) => byName(a.Name, b.Name));
  return [
    keyValueList(Object.keys(byStatus).sort(byName).map((s) => ["Members " + s, String(byStatus[s])])),
    table(["Member", "Address", "Status", "Role", "Datacenter"], list.map((m) => [
      m.Name,
      m.Addr + ":" + m.Port,
      m.Status === 1 ? badge("passing", "alive") : badge(m.Status === 3 ? "warning" : "critical", memberStatus(m.Status)),
      (m.Tags && m.Tags.role) === "consul" ? "server" : "client",
      (m.Tags && m.Tags.dc) || "",
    ]), "This agent sees no gossip members."),
    ["LAN", "WAN"].filter((pool) => gossip[pool]).map((pool) => poolCounters(pool, gossip[pool])),
  ];
}

// poolCounters shows one pool's suspicions, probes and traffic.
function poolCounters(pool, p) {
  return el("article", { class: "card pool-" + pool.toLowerCase() },
    el("h2", null, pool + " pool"),
    keyValueList([
      ["Suspected now", (p.Suspects || []).length ? (p.Suspects || []).join(", ") : "none"],
      ["Declared failed", (p.Failed || []).length ? (p.Failed || []).join(", ") : "none"],
      ["Suspicions raised", String(p.SuspicionsRaised)],
      ["Probes sent", String(p.ProbesSent)],
      ["Probes failed", String(p.ProbesFailed)],
      ["Refutations", String(p.Refutations)],
      ["Health score", String(p.HealthScore) + (p.HealthScore ? " (degraded: probing more patiently)" : " (healthy)")],
      ["Packets sent / received", p.PacketsSent + " / " + p.PacketsReceived],
      ["Bytes sent / received", p.BytesSent + " / " + p.BytesReceived],
    ]));
}

// ------------------------------------------------------------ start-up

// showAgent fills the header with the agent's datacenter, node name and
// version.
async function showAgent() {
  const info = document.getElementById("agent-info");
  try {
    const self = (await request(API.self)).data;
    info.textContent = self.Config.Datacenter + " · " + self.Config.NodeName + " · " + self.Config.Version;
  } catch (err) {
    info.textContent = "agent unavailable: " + err.message;
  }
}

// start wires the token form and the router and shows the first view.
function start() {
  sessionToken = token();
  const field = document.getElementById("token");
  field.value = sessionToken;
  const useToken = (value) => {
    setToken(value);
    field.value = value;
    showAgent();
    route();
  };
  document.getElementById("token-form").addEventListener("submit", (event) => {
    event.preventDefault();
    useToken(field.value.trim());
  });
  document.getElementById("token-clear").addEventListener("click", () => useToken(""));
  window.addEventListener("hashchange", route);
  if (!location.hash) history.replaceState(null, "", href("services"));
  showAgent();
  route();
}

if (typeof module === "object" && module.exports) {
  // Loaded by node for the tests of the pure helpers.
  module.exports = {
    API, parseRoute, encodePath, href, parentFolder, decodeValue, countStatuses, worstStatus, formatNanos,
    watch, setToken, memberStatus, formatContact, quorumOf, serverRows, request,
  };
} else {
  start();
}
