// The dashboard's Report tab: GET /_mockgraph/report for the tenant shown, per client, each
// finding with its severity, evidence and fix. Loaded after app.js (it uses call, el, $, state).
"use strict";

async function loadReport() {
  const target = $("report");
  const result = await call("GET", `/_mockgraph/report?${new URLSearchParams({ tenant: state.tenant })}`);
  if (!result.ok) {
    target.replaceChildren(el("div", { class: "result error" }, describe(result)));
    return;
  }
  const report = result.json;
  const s = report.summary;
  $("report-count").textContent = String(s.error + s.warning);
  const head = el("p", { class: "muted" }, `${report.calls} calls · ${s.error} errors · ${s.warning} warnings · ${s.info} info · journal #${report.since + 1}–#${report.lastSequence}`);
  if (!report.clients.length) {
    target.replaceChildren(head, el("p", { class: "muted" }, "No Graph call with a token yet."));
    return;
  }
  target.replaceChildren(head, ...report.clients.map(reportClient));
}

function reportClient(client) {
  const p = client.permissions, b = client.throttling, r = client.retries;
  const who = client.userId ? `user ${client.userId}` : "app only";
  return el("section", { class: "report-client" },
    el("h3", {}, el("span", { class: "mono" }, client.appId), el("span", { class: "muted" }, ` ${client.kind} · ${who} · ${client.calls} calls${client.tokenRequests ? ` · ${client.tokenRequests} token requests` : ""}`)),
    el("dl", {},
      el("dt", {}, "Held"), el("dd", {}, p.held.join(", ") || "(none)"),
      el("dt", {}, "Least"), el("dd", {}, p.leastPrivileged.join(", ") || "(none)"),
      el("dt", {}, "Budget"), el("dd", {}, `peak ${b.peak.toLocaleString()} of ${b.limit.toLocaleString()} presence calls / ${b.windowSeconds} s · headroom ${b.headroom.toLocaleString()}`),
      el("dt", {}, "Retries"), el("dd", {}, `${r.retryable} × 429/503: ${r.honoured} honoured, ${r.tooEarly} too early, ${r.gaveUp} given up`)),
    client.findings.length
      ? el("ul", { class: "findings" }, client.findings.map(reportFinding))
      : el("p", { class: "result ok" }, "No findings: this client behaves."));
}

function reportFinding(f) {
  // Token requests are not journaled: their evidence is their times.
  const seq = f.evidence.sequences.length
    ? f.evidence.sequences.slice(0, 10).map((n) => `#${n}`).join(" ")
    : (f.evidence.times || []).slice(0, 10).join(" ");
  const more = f.evidence.count > 10 ? " …" : "";
  return el("li", { class: `finding ${f.severity}` },
    el("span", { class: `severity ${f.severity}` }, f.severity),
    el("b", {}, f.title),
    el("div", { class: "fix" }, `Fix: ${f.fix}`),
    el("div", { class: "muted" }, `${f.check} · evidence: ${f.evidence.count} (${seq}${more})`));
}

$("refresh-report").addEventListener("click", loadReport);
document.querySelector(".tabs button[data-tab='report']").addEventListener("click", loadReport);
