// mockgraph's dashboard. Plain JavaScript, no build step, nothing fetched but this server.
// Every value from the server goes into the page as text (never as HTML).
"use strict";

const POLL_MS = 300;
const KEEP_ROWS = 500;
// Past this many users the board is a compact table (200 a page) unless cards are asked for.
const COMPACT_FROM = 1000;
const PAGE_SIZE = { cards: 48, table: 200 };
const state = {
  meta: null,
  tenant: "",
  search: "",
  page: 0,
  // "cards", "table", or "auto": the table past COMPACT_FROM users.
  view: localStorage.getItem("mockgraph-view") || "auto",
  versions: { board: "", deliveries: "", faults: "" },
  journalLast: 0,
  journal: [],
  board: null,
  pollNow: false,  // poll again at once, not after POLL_MS
  clock: { now: 0, frozen: false, seenAt: Date.now() },
  selected: null,
  detail: null,
  adminKey: sessionStorage.getItem("mockgraph-admin-key") || "",
  pollTimer: null,
};

// --- small DOM helpers ---------------------------------------------------------------
const $ = (id) => document.getElementById(id);
function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (name === "class") node.className = value;
    else if (name === "dataset") Object.assign(node.dataset, value);
    else if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
    else node.setAttribute(name, value === true ? "" : String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}
const pretty = (value) => (value === null || value === undefined ? "(none)" : typeof value === "string" ? value : JSON.stringify(value, null, 2));

// --- time ----------------------------------------------------------------------------
function tenantNow() {
  const c = state.clock;
  return c.frozen ? c.now : c.now + (Date.now() - c.seenAt);
}
function formatLeft(ms) {
  if (ms <= 0) return "expiring";
  const s = Math.floor(ms / 1000);
  const d = Math.floor(s / 86400), h = Math.floor((s % 86400) / 3600), m = Math.floor((s % 3600) / 60);
  if (d > 0) return `${d}d ${h}h left`;
  if (h > 0) return `${h}h ${m}m left`;
  return `${m}:${String(s % 60).padStart(2, "0")} left`;
}
function utc(ms) {
  return new Date(ms).toISOString().replace("T", " ").replace(/\.\d+Z$/, " UTC");
}
function leftSpan(expiresAt) {
  if (expiresAt === null || expiresAt === undefined) return el("span", { class: "left muted" }, "no expiry");
  return el("span", { class: "left", dataset: { expires: String(expiresAt) }, title: utc(expiresAt) }, formatLeft(expiresAt - tenantNow()));
}
function tick() {
  const now = tenantNow();
  $("clock-now").textContent = state.clock.now ? utc(now) : "—";
  for (const node of document.querySelectorAll("[data-expires]")) {
    node.textContent = formatLeft(Number(node.dataset.expires) - now);
  }
}

// --- calls -----------------------------------------------------------------------------
async function call(method, path, body, token) {
  const headers = { Accept: "application/json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (token) headers.Authorization = `Bearer ${token}`;
  else if (state.adminKey && path.startsWith("/_mockgraph/")) headers.Authorization = `Bearer ${state.adminKey}`;
  const response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await response.text();
  let json = null;
  try { json = text ? JSON.parse(text) : null; } catch (e) { json = null; }
  if (response.status === 401 && !token && path.startsWith("/_mockgraph/") && askForAdminKey()) {
    return call(method, path, body, token);
  }
  return { status: response.status, ok: response.ok, json, text };
}
function askForAdminKey() {
  const key = window.prompt("This server has an admin key (MOCKGRAPH_ADMIN_KEY). Enter it to use the dashboard:");
  if (!key) return false;
  state.adminKey = key.trim();
  sessionStorage.setItem("mockgraph-admin-key", state.adminKey);
  return true;
}
// "status code: message", in the API's own words.
function describe(result) {
  const error = result.json && result.json.error;
  if (error && typeof error === "object") return `${result.status} ${error.code || ""}: ${error.message || ""}`;
  if (result.json && result.json.error_description) return `${result.status} ${result.json.error}: ${result.json.error_description}`;
  return `${result.status} ${result.text.slice(0, 500)}`;
}
function show(target, result, what) {
  const node = $(target);
  node.className = `result ${result.ok ? "ok" : "error"}`;
  node.textContent = result.ok ? `${what}: ${result.status} OK` : describe(result);
}

// --- polling -------------------------------------------------------------------------
function pollSoon(delay) {
  clearTimeout(state.pollTimer);
  state.pollTimer = setTimeout(poll, delay === undefined ? POLL_MS : delay);
}
async function poll() {
  const asked = PAGE_SIZE[viewShown()];
  const query = new URLSearchParams({
    tenant: state.tenant, search: state.search, page: String(state.page), pageSize: String(asked),
    board: state.versions.board, journal: String(state.journalLast),
    deliveries: state.versions.deliveries, faults: state.versions.faults,
  });
  state.pollNow = false;
  try {
    const result = await call("GET", `/_mockgraph/ui/changes?${query}`);
    if (!result.ok) throw new Error(describe(result));
    apply(result.json, asked);
    $("live").className = "live";
    $("live").textContent = "live";
    hideBanner();
  } catch (error) {
    $("live").className = "live down";
    $("live").textContent = "offline";
    showBanner(`Cannot reach mockgraph: ${error.message}`);
    pollSoon(1000);
    return;
  }
  pollSoon(state.pollNow ? 0 : POLL_MS);
}
function apply(changes, asked) {
  state.clock = { now: changes.clock.now, frozen: changes.clock.frozen, seenAt: Date.now() };
  $("clock-frozen").hidden = !changes.clock.frozen;
  if (changes.board) { state.versions.board = changes.board.version; renderBoard(changes.board, asked); }
  if (changes.journal) addJournal(changes.journal);
  if (changes.deliveries) { state.versions.deliveries = changes.deliveries.version; renderDeliveries(changes.deliveries); }
  if (changes.faults) { state.versions.faults = changes.faults.version; renderFaults(changes.faults.rules); }
  tick();
}
function showBanner(text) { $("banner").hidden = false; $("banner").textContent = text; }
function hideBanner() { $("banner").hidden = true; }

// --- the board ---------------------------------------------------------------------
const COLOURS = ["#4f6bed", "#0078d4", "#038387", "#8764b8", "#c239b3", "#ca5010", "#498205", "#986f0b", "#e3008c", "#005b70"];
function colourOf(id) {
  let hash = 0;
  for (const ch of id) hash = (hash * 31 + ch.charCodeAt(0)) >>> 0;
  return COLOURS[hash % COLOURS.length];
}
function initials(name) {
  const words = String(name).split(/[\s.@_-]+/).filter(Boolean);
  return ((words[0] || "?")[0] + (words.length > 1 ? words[words.length - 1][0] : "")).toUpperCase();
}
// A user's photo, from this server's control plane (no Graph token); initials until it loads,
// and for good when the user has none or it fails. With an admin key, <img> cannot send it,
// so the photo is fetched with it once and kept as an object URL.
const photoUrls = new Map();
function photoUrl(user) {
  const path = `/_mockgraph/ui/photos/${encodeURIComponent(user.id)}?tenant=${encodeURIComponent(state.tenant)}`;
  if (!state.adminKey) return Promise.resolve(path);
  if (!photoUrls.has(path)) {
    photoUrls.set(path, fetch(path, { headers: { Authorization: `Bearer ${state.adminKey}` } })
      .then((r) => (r.ok ? r.blob() : Promise.reject(new Error(String(r.status)))))
      .then((blob) => URL.createObjectURL(blob))
      .catch((error) => { photoUrls.delete(path); throw error; }));
  }
  return photoUrls.get(path);
}
function avatar(user) {
  const node = el("div", { class: "avatar", style: `background:${colourOf(user.id)}` }, initials(user.displayName), dot(user.availability, user.activity));
  if (user.hasPhoto) {
    photoUrl(user).then((src) => {
      const img = el("img", { alt: "", src });
      img.addEventListener("load", () => { node.firstChild.replaceWith(img); }, { once: true });
    }).catch(() => {});
  }
  return node;
}
function dot(availability, activity) {
  return el("span", { class: `dot av-${availability} act-${activity}`, title: `${availability} / ${activity}`, "aria-hidden": "true" });
}
function renderCard(user) {
  const selected = state.selected === user.id;
  const status = user.statusMessage;
  const ooo = user.outOfOfficeSettings || {};
  const preferred = user.preferredPresence;
  const location = user.workLocation || {};
  const tags = [];
  if (ooo.isOutOfOffice) tags.push(el("span", { class: "tag ooo", title: ooo.message || "" }, "Out of office", ooo.message ? ` · ${ooo.message}` : ""));
  if (preferred) tags.push(el("span", { class: "tag pref" }, `Preferred ${preferred.availability} / ${preferred.activity} · `, leftSpan(preferred.expiresAt)));
  if (location.workLocationType && location.workLocationType !== "unspecified") {
    tags.push(el("span", { class: "tag loc" }, `${location.workLocationType} (${location.source})`));
  }
  const sessions = user.sessions.map((s) => el("li", { class: "session" },
    dot(s.availability, s.activity),
    el("span", { class: "session-app", title: s.sessionId }, s.app || s.sessionId),
    el("span", { class: "muted" }, ` ${s.availability} / ${s.activity}`),
    leftSpan(s.expiresAt),
    el("button", { type: "button", class: "x", title: `clearPresence ${s.sessionId}`, "aria-label": `Clear session ${s.sessionId}`,
      onclick: (event) => { event.stopPropagation(); clearSession(user, s.sessionId); } }, "×"),
  ));
  return el("article", {
    class: `card${selected ? " selected" : ""}`, tabindex: "0", dataset: { userId: user.id },
    onclick: () => selectUser(user), onkeydown: (e) => { if (e.key === "Enter") selectUser(user); },
  },
    avatar(user),
    el("div", { class: "who" },
      el("div", { class: "name" }, user.displayName),
      el("div", { class: "upn" }, user.userPrincipalName),
      el("div", { class: "presence" }, el("b", { class: "availability" }, user.availability), el("span", { class: "activity" }, ` · ${user.activity}`)),
    ),
    status ? el("div", { class: "status-message" }, el("span", { class: "quote" }, status.content), status.expiresAt ? [" · ", leftSpan(status.expiresAt)] : null) : null,
    tags.length ? el("div", { class: "tags" }, tags) : null,
    sessions.length ? el("ul", { class: "sessions" }, sessions) : el("div", { class: "sessions muted" }, "No presence session: Offline"),
  );
}
// The compact view: one row per user, for tenants of thousands. A row whose user did not
// change is kept as it is (a running scenario changes some users every poll), so a click
// lands on the row it was aimed at.
const rows = new Map();
function renderRow(user) {
  const status = user.statusMessage;
  const signature = JSON.stringify([user.displayName, user.userPrincipalName, user.availability, user.activity,
    status && status.content, user.sessions.map((s) => s.app || s.sessionId), state.selected === user.id]);
  const kept = rows.get(user.id);
  if (kept && kept.signature === signature) return kept.row;
  const row = newRow(user, status);
  rows.set(user.id, { signature, row });
  return row;
}
function newRow(user, status) {
  return el("tr", {
    class: state.selected === user.id ? "picked" : "", tabindex: "0", dataset: { userId: user.id },
    onclick: () => selectUser(user), onkeydown: (e) => { if (e.key === "Enter") selectUser(user); },
  },
    el("td", { class: "who-cell", title: user.userPrincipalName }, dot(user.availability, user.activity), ` ${user.displayName}`),
    el("td", {}, el("b", { class: "availability" }, user.availability)),
    el("td", { class: "activity" }, user.activity),
    el("td", { title: status ? status.content : "" }, status ? status.content : ""),
    el("td", { class: "num", title: user.sessions.map((s) => s.app || s.sessionId).join(", ") }, user.sessions.length),
  );
}
function viewShown() {
  if (state.view !== "auto") return state.view;
  return state.board && state.board.total > COMPACT_FROM ? "table" : "cards";
}
function renderBoard(board, asked) {
  const before = viewShown();
  state.board = board;
  const view = viewShown();
  if (view !== before) state.page = 0;
  if (asked !== PAGE_SIZE[view]) {
    // Asked for in the other view's page size (the total crossed COMPACT_FROM, or a poll
    // already under way when it did): never shown; the next poll, at once, brings this one's.
    state.versions.board = ""; state.pollNow = true;
    return;
  }
  $("cards").hidden = view !== "cards";
  $("user-table-wrap").hidden = view !== "table";
  $("view").textContent = view === "cards" ? "Table view" : "Card view";
  $("view").title = state.view === "auto" ? `Automatic: a table past ${COMPACT_FROM} users` : "Chosen on this browser";
  const none = board.total ? "No user matches the search." : "This tenant has no users: add one with POST /_mockgraph/users, or start a scenario.";
  if (view === "cards") {
    $("cards").replaceChildren(...board.users.map(renderCard));
    if (!board.users.length) $("cards").append(el("p", { class: "muted empty" }, none));
  } else {
    const shown = board.users.map(renderRow);
    const wanted = new Set(board.users.map((u) => u.id));
    for (const id of rows.keys()) if (!wanted.has(id)) rows.delete(id);
    $("user-table").tBodies[0].replaceChildren(...shown);
    if (!board.users.length) $("user-table").tBodies[0].append(el("tr", {}, el("td", { colspan: "5", class: "muted empty" }, none)));
  }
  $("page-info").textContent = `${board.page + 1} / ${board.pages} · ${board.matched} of ${board.total} users`;
  $("prev").disabled = board.page === 0;
  $("next").disabled = board.page >= board.pages - 1;
  $("counts").replaceChildren(...Object.entries(board.counts).map(([availability, n]) =>
    el("span", { class: "count" }, dot(availability, availability), `${n} ${availability}`)));
  if (state.selected) {
    const user = board.users.find((u) => u.id === state.selected);
    if (user) $("user-name").replaceChildren(dot(user.availability, user.activity), ` ${user.displayName}`);
  }
}

// --- the controls ------------------------------------------------------------------
function callers() {
  const list = [];
  for (const app of state.meta.apps) {
    if (app.delegatedPermissions.length) list.push({ key: `d:${app.appId}`, label: `As the user, via ${app.displayName}`, app });
  }
  for (const app of state.meta.apps) {
    if (app.applicationPermissions.length) list.push({ key: `a:${app.appId}`, label: `As ${app.displayName}`, app });
  }
  return list;
}
function selectUser(user) {
  state.selected = user.id;
  $("no-user").hidden = true;
  $("user-form").hidden = false;
  $("user-form").dataset.userId = user.id;
  $("user-name").replaceChildren(dot(user.availability, user.activity), ` ${user.displayName}`);
  $("user-result").textContent = "";
  if (!$("session-id").value) $("session-id").value = currentCaller().app.appId;
  switchTab("user");
  for (const card of document.querySelectorAll(".card")) card.classList.toggle("selected", card.dataset.userId === user.id);
  for (const row of document.querySelectorAll("#user-table tbody tr")) row.classList.toggle("picked", row.dataset.userId === user.id);
}
function currentCaller() {
  return callers().find((c) => c.key === $("caller").value) || callers()[0];
}
async function tokenFor(userId) {
  const caller = currentCaller();
  const body = caller.key.startsWith("d:")
    ? { userId, appId: caller.app.appId, scopes: caller.app.delegatedPermissions, tenantId: state.tenant }
    : { appId: caller.app.appId, roles: caller.app.applicationPermissions, tenantId: state.tenant };
  const result = await call("POST", "/_mockgraph/tokens", body);
  if (!result.ok) throw result;
  return result.json.access_token;
}
async function graphAction(userId, action, body, what) {
  try {
    const token = await tokenFor(userId);
    const result = await call("POST", `/v1.0/users/${encodeURIComponent(userId)}/presence/${action}`, body, token);
    show("user-result", result, what);
  } catch (failure) {
    show("user-result", failure, what);
  }
  pollSoon(0);
}
const pair = (id) => $(id).value.split("/");
function optional(value) { const v = value.trim(); return v ? v : undefined; }
function setSession() {
  const [availability, activity] = pair("session-pair");
  graphAction(state.selected, "setPresence", {
    sessionId: $("session-id").value, availability, activity, expirationDuration: optional($("session-duration").value),
  }, "setPresence");
}
function clearSession(user, sessionId) {
  if (user) selectUser(user);
  graphAction(state.selected, "clearPresence", { sessionId: sessionId || $("session-id").value }, "clearPresence");
}
function setPreferred() {
  const [availability, activity] = pair("preferred-pair");
  graphAction(state.selected, "setUserPreferredPresence", { availability, activity, expirationDuration: optional($("preferred-duration").value) }, "setUserPreferredPresence");
}
function setStatus(clear) {
  const expiry = $("status-expiry").value;
  const message = { content: clear ? "" : $("status-text").value, contentType: "text" };
  const statusMessage = { message };
  if (!clear && expiry) statusMessage.expiryDateTime = { dateTime: expiry.length === 16 ? `${expiry}:00` : expiry, timeZone: "UTC" };
  graphAction(state.selected, "setStatusMessage", { statusMessage }, clear ? "clear status message" : "setStatusMessage");
}

// --- clock, faults, reset -------------------------------------------------------------
async function control(method, path, body, target, what) {
  const result = await call(method, `${path}?tenant=${encodeURIComponent(state.tenant)}`, body);
  if (target) show(target, result, what);
  else if (!result.ok) showBanner(`${what}: ${describe(result)}`);
  else hideBanner();
  pollSoon(0);
  return result;
}
const clock = (body, what) => control("POST", "/_mockgraph/clock", body, null, what);
function addFault() {
  const number = (id) => ($(id).value.trim() === "" ? undefined : Number($(id).value));
  control("POST", "/_mockgraph/faults", {
    method: $("fault-method").value, path: $("fault-path").value, status: number("fault-status"),
    times: number("fault-times"), retryAfter: number("fault-retry"), delayMs: number("fault-delay") || 0,
  }, "fault-result", "Fault added");
}
async function reset() {
  const result = await control("POST", "/_mockgraph/reset", undefined, null, "reset");
  if (result.ok) { state.journal = []; state.journalLast = 0; renderJournal(); }
}

// --- the journal ---------------------------------------------------------------------
function addJournal(part) {
  if (part.restart) state.journal = [];
  state.journalLast = part.last;
  if (!part.entries.length && !part.restart) return;
  state.journal = state.journal.concat(part.entries).slice(-KEEP_ROWS);
  renderJournal();
}
function statusClass(status) { return status >= 500 ? "s5" : status >= 400 ? "s4" : "s2"; }
function renderJournal() {
  const wantStatus = $("journal-status").value;
  const wantCaller = $("journal-caller").value;
  const seen = new Set(state.journal.map((e) => e.caller || "(no caller)"));
  const select = $("journal-caller");
  const known = new Set([...select.options].map((o) => o.value));
  for (const name of seen) if (!known.has(name)) select.append(el("option", { value: name }, name));
  const rows = state.journal.filter((e) =>
    (!wantStatus || String(e.status)[0] === wantStatus) && (!wantCaller || (e.caller || "(no caller)") === wantCaller));
  $("journal-count").textContent = String(state.journal.length);
  $("journal-empty").hidden = state.journal.length > 0;
  $("journal-filtered").hidden = !state.journal.length || rows.length > 0;
  $("journal").tBodies[0].replaceChildren(...rows.slice().reverse().map((e) => el("tr", {
    class: state.detail === e.sequence ? "picked" : "", onclick: () => showEntry(e),
  },
    el("td", { class: "nowrap" }, e.time.slice(11, 19)),
    el("td", {}, e.method),
    el("td", { class: "operation", title: e.path + (e.query ? `?${e.query}` : "") }, e.operation || e.path),
    el("td", {}, el("span", { class: `status ${statusClass(e.status)}` }, e.status)),
    el("td", { class: "caller" }, e.caller || "—"),
    el("td", { class: "num" }, e.latencyMs.toFixed(1)),
  )));
}
function showEntry(entry) {
  state.detail = entry.sequence;
  const detail = $("journal-detail");
  detail.hidden = false;
  detail.replaceChildren(
    el("h3", {}, `${entry.method} ${entry.path}`, el("span", { class: `status ${statusClass(entry.status)}` }, entry.status)),
    el("dl", {},
      el("dt", {}, "Error code"), el("dd", {}, entry.errorCode || "—"),
      el("dt", {}, "Caller"), el("dd", {}, entry.caller || "—"),
      el("dt", {}, "Time"), el("dd", {}, entry.time),
      el("dt", {}, "request-id"), el("dd", {}, entry.requestId),
    ),
    el("h4", {}, "Request body"), el("pre", { class: "request-body" }, pretty(entry.body)),
    el("h4", {}, "Response"), el("pre", { class: "response-body" }, pretty(entry.response)),
  );
  renderJournal();
}

// --- notifications and faults ----------------------------------------------------------
function renderDeliveries(part) {
  $("delivery-count").textContent = String(part.attempts.length);
  $("subscriptions-empty").hidden = part.subscriptions.length > 0;
  $("attempts-empty").hidden = part.attempts.length > 0 || !part.subscriptions.length;
  $("subscriptions").tBodies[0].replaceChildren(...part.subscriptions.map((s) => el("tr", {},
    el("td", { class: "path", title: `${s.resource} → ${s.notificationUrl}` }, s.resource), el("td", {}, s.app), el("td", {}, s.creator), el("td", {}, leftSpan(s.expiresAt)))));
  $("attempts").tBodies[0].replaceChildren(...part.attempts.slice().reverse().map((a) => el("tr", {
    onclick: () => { const d = $("delivery-detail"); d.hidden = false; d.replaceChildren(el("h4", {}, `${a.kind} → ${a.url}`), el("p", {}, a.error || ""), el("pre", {}, pretty(a.payload))); },
  },
    el("td", { class: "nowrap" }, String(a.time).slice(11, 19)), el("td", {}, a.kind), el("td", { class: "path" }, a.url),
    el("td", {}, a.status === null ? "—" : a.status), el("td", {}, el("span", { class: `outcome ${a.outcome}` }, a.outcome)), el("td", { class: "num" }, a.latencyMs))));
}
function renderFaults(rules) {
  $("fault-count").textContent = String(rules.length);
  $("faults-empty").hidden = rules.length > 0;
  $("faults").tBodies[0].replaceChildren(...rules.map((f) => el("tr", {},
    el("td", {}, f.method || "any"), el("td", { class: "path", title: f.path }, f.path), el("td", {}, f.status === null ? "delay" : f.status),
    el("td", {}, f.times === null ? "∞" : f.times), el("td", {}, f.retryAfter === null ? "—" : f.retryAfter), el("td", {}, f.delayMs))));
}

// --- set-up ---------------------------------------------------------------------------
function switchTab(name) {
  for (const button of document.querySelectorAll(".tabs button")) button.classList.toggle("active", button.dataset.tab === name);
  for (const tab of document.querySelectorAll(".tab")) tab.hidden = tab.id !== `tab-${name}`;
}
function fillPairs(id, pairs, chosen) {
  $(id).replaceChildren(...pairs.map(([a, b]) => el("option", { value: `${a}/${b}`, selected: `${a}/${b}` === chosen }, a === b ? a : `${a} / ${b}`)));
}
function restart() {
  state.versions = { board: "", deliveries: "", faults: "" };
  state.journal = []; state.journalLast = 0; state.page = 0;
  renderJournal();
  pollSoon(0);
}
async function start() {
  const result = await call("GET", "/_mockgraph/ui/meta");
  if (!result.ok) { showBanner(`Cannot load the dashboard: ${describe(result)}`); return; }
  const meta = state.meta = result.json;
  $("version").textContent = meta.version;
  const tenants = Array.from(new Set([meta.defaultTenant, ...meta.tenants]));
  $("tenant").replaceChildren(...tenants.map((t) => el("option", { value: t }, t === meta.defaultTenant ? `${t} (fixtures)` : t)));
  state.tenant = meta.defaultTenant;
  $("caller").replaceChildren(...callers().map((c) => el("option", { value: c.key }, c.label)));
  fillPairs("session-pair", meta.setPresencePairs, "Busy/InACall");
  fillPairs("preferred-pair", meta.preferredPresencePairs, "DoNotDisturb/DoNotDisturb");
  $("caller").addEventListener("change", () => { $("session-id").value = currentCaller().app.appId; });
  $("tenant").addEventListener("change", () => { state.tenant = $("tenant").value; restart(); });
  let typing = null;
  $("search").addEventListener("input", () => {
    clearTimeout(typing);
    typing = setTimeout(() => { state.search = $("search").value; state.page = 0; state.versions.board = ""; pollSoon(0); }, 150);
  });
  $("view").addEventListener("click", () => {
    state.view = viewShown() === "cards" ? "table" : "cards";
    localStorage.setItem("mockgraph-view", state.view);
    state.page = 0; state.versions.board = ""; pollSoon(0);
  });
  $("prev").addEventListener("click", () => { state.page = Math.max(0, state.page - 1); state.versions.board = ""; pollSoon(0); });
  $("next").addEventListener("click", () => { state.page += 1; state.versions.board = ""; pollSoon(0); });
  for (const button of document.querySelectorAll(".tabs button")) button.addEventListener("click", () => switchTab(button.dataset.tab));
  $("set-session").addEventListener("click", setSession);
  $("clear-session").addEventListener("click", () => clearSession(null, null));
  $("set-preferred").addEventListener("click", setPreferred);
  $("clear-preferred").addEventListener("click", () => graphAction(state.selected, "clearUserPreferredPresence", {}, "clearUserPreferredPresence"));
  $("set-status").addEventListener("click", () => setStatus(false));
  $("clear-status").addEventListener("click", () => setStatus(true));
  $("advance").addEventListener("click", () => clock({ advance: $("clock-advance").value }, "advance"));
  $("set-clock").addEventListener("click", () => {
    const value = $("clock-set").value;
    clock({ set: value ? `${value.length === 16 ? `${value}:00` : value}Z` : "" }, "set");
  });
  $("freeze").addEventListener("click", () => clock({ freeze: true }, "freeze"));
  $("resume").addEventListener("click", () => clock({ resume: true }, "resume"));
  $("reset").addEventListener("click", reset);
  $("add-fault").addEventListener("click", addFault);
  $("clear-faults").addEventListener("click", () => control("DELETE", "/_mockgraph/faults", undefined, "fault-result", "Faults cleared"));
  $("journal-status").addEventListener("change", renderJournal);
  $("journal-caller").addEventListener("change", renderJournal);
  setInterval(tick, 1000);
  poll();
}
start();
