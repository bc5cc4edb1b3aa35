// The scenario bar: the server's scenario (GET /_mockgraph/scenario) polled as the board is,
// with play, pause and a timeline that seeks. Uses app.js's helpers ($, call, describe).
"use strict";

const scenario = { last: null, scrubbing: false, timer: null };

// Graph writes seven fractional digits ("2026-03-02T09:30:00.0000000Z"); Date.parse wants three.
const seconds = (iso) => Date.parse(iso.replace(/\.\d+/, "")) / 1000;
// The scenario's wall time in its first zone: "2026-03-02 10:30:00" (sv-SE writes ISO order).
function wallTime(iso, zone) {
  const format = new Intl.DateTimeFormat("sv-SE", {
    timeZone: zone, year: "numeric", month: "2-digit", day: "2-digit",
    hour: "2-digit", minute: "2-digit", second: "2-digit", hour12: false,
  });
  return format.format(new Date(seconds(iso) * 1000));
}

function renderScenario(s) {
  scenario.last = s;
  const bar = $("scenario-bar");
  bar.hidden = !s || s.state === "idle";
  if (bar.hidden) return;
  $("scenario-name").textContent = s.profile && s.profile !== s.name ? `${s.name} (${s.profile})` : s.name;
  $("scenario-state").textContent = s.state;
  $("scenario-state").className = `badge ${s.state}`;
  $("scenario-now").textContent = `${wallTime(s.now, s.timeZone)} ${s.timeZone}`;
  $("scenario-speed").textContent = `${s.speed}×`;
  $("scenario-progress").textContent = `${s.applied} / ${s.steps} steps`;
  $("scenario-play").disabled = s.state === "running";
  $("scenario-pause").disabled = s.state !== "running";
  const scrubber = $("scenario-scrubber");
  scrubber.min = String(seconds(s.start));
  scrubber.max = String(seconds(s.end));
  if (!scenario.scrubbing) scrubber.value = String(seconds(s.now));
}

async function pollScenario() {
  clearTimeout(scenario.timer);
  try {
    const result = await call("GET", "/_mockgraph/scenario");
    if (result.ok) renderScenario(result.json);
  } catch (error) {
    // The board's own poll reports an unreachable server.
  }
  scenario.timer = setTimeout(pollScenario, POLL_MS);
}

async function scenarioAction(body) {
  const result = await call("POST", "/_mockgraph/scenario", body);
  if (result.ok) { hideBanner(); renderScenario(result.json); } else showBanner(`scenario: ${describe(result)}`);
  pollSoon(0);
}

function playScenario() {
  const s = scenario.last;
  if (s && s.state === "paused") { scenarioAction({ action: "resume" }); return; }
  // Finished or stopped: the same profile again, from its start.
  const again = { action: "start" };
  if (s && s.profile) Object.assign(again, { profile: s.profile, users: s.users, seed: s.seed, speed: s.speed, start: s.start });
  scenarioAction(again);
}

function seekScenario() {
  scenario.scrubbing = false;
  const to = new Date(Number($("scenario-scrubber").value) * 1000).toISOString().replace(/\.\d+Z$/, "Z");
  scenarioAction({ action: "seek", to });
}

$("scenario-play").addEventListener("click", playScenario);
$("scenario-pause").addEventListener("click", () => scenarioAction({ action: "pause" }));
$("scenario-scrubber").addEventListener("input", () => { scenario.scrubbing = true; });
$("scenario-scrubber").addEventListener("change", seekScenario);
pollScenario();
