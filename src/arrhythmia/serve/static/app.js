// The review page: recordings list, ECG view, corrections, keys. No framework, no build step.
import { COLORS, PAPER_S, Tiles, drawEcg, drawOverview, ecgHeight, setupCanvas } from "./ecg.js";
import { showTemplates, templateKey } from "./templates.js";

const $ = (s) => document.querySelector(s);
const state = { rec: null, beats: null, events: null, overview: null, view: { t0: 0, span: PAPER_S },
  selected: null, range: null, mouseT: null, mode: "list", busy: 0 };
window.review = state;   // for tests and the curious

// ---- API -----------------------------------------------------------------------------------------
async function http(method, path, body) {
  state.busy++; document.body.dataset.busy = state.busy;
  try {
    const r = await fetch("/api/" + path, { method, headers: body ? { "Content-Type": "application/json" } : {},
      body: body ? JSON.stringify(body) : undefined, credentials: "same-origin" });
    const ct = r.headers.get("content-type") || "";
    const data = ct.includes("json") ? await r.json() : await r.blob();
    if (!r.ok) throw new Error(data.detail || r.statusText);
    return data;
  } finally { state.busy--; document.body.dataset.busy = state.busy; }
}
const get = (p) => http("GET", p);
const recApi = (p) => get(`recordings/${encodeURIComponent(state.rec.id)}/${p}`);
export const recPost = (p, body) => http("POST", `recordings/${encodeURIComponent(state.rec.id)}/${p}`, body || {});

export function toast(msg, error) {
  const t = $("#toast"); t.textContent = msg; t.className = error ? "error" : ""; t.hidden = false;
  clearTimeout(toast.timer); toast.timer = setTimeout(() => (t.hidden = true), error ? 5000 : 1800);
}

// ---- beats -------------------------------------------------------------------------------------
class Beats {
  constructor(j, fs) { this.sample = Int32Array.from(j.sample); this.label = j.label; this.model = j.model_label; this.conf = Int16Array.from(j.confidence); this.review = j.review; this.fs = fs; }
  get length() { return this.sample.length; }
  lower(s) { let lo = 0, hi = this.sample.length; while (lo < hi) { const m = (lo + hi) >> 1; if (this.sample[m] < s) lo = m + 1; else hi = m; } return lo; }
  between(t0, t1) { return [this.lower(t0 * this.fs), this.lower(t1 * this.fs)]; }
  nearest(t) { const i = this.lower(t * this.fs); if (i <= 0) return 0; if (i >= this.length) return this.length - 1;
    return (this.sample[i] - t * this.fs) < (t * this.fs - this.sample[i - 1]) ? i : i - 1; }
}

// ---- the list ------------------------------------------------------------------------------------
async function showList() {
  state.mode = "list"; state.rec = null; setView();
  const { recordings } = await get("recordings");
  const tb = $("#recordings tbody"); tb.innerHTML = "";
  for (const r of recordings) {
    const tr = document.createElement("tr"); tr.dataset.id = r.id;
    const c = r.beats_per_class || {}, pct = (v) => (v == null ? "" : v.toFixed(1) + " %");
    const prog = r.progress ? r.progress.pct : 0;
    tr.innerHTML = r.annotated
      ? `<td>${esc(r.name || r.id)}</td><td>${fmtDur(r.duration_s)}</td><td>${r.n_beats}</td>` +
        "NSVFQ".split("").map((k) => `<td class="cls-${k}">${c[k] ?? ""}</td>`).join("") +
        `<td>${pct(r.S_burden_pct)}</td><td>${pct(r.V_burden_pct)}</td><td>${r.n_corrections}</td>` +
        `<td><span class="progress"><i style="width:${prog}%"></i></span>${prog.toFixed(0)} %</td>`
      : `<td>${esc(r.id)}</td><td colspan="11" class="muted">not annotated yet: opening it annotates it</td>`;
    tr.onclick = () => (location.hash = "rec=" + encodeURIComponent(r.id));
    tb.appendChild(tr);
  }
  document.body.dataset.ready = "list";
}
const esc = (s) => String(s).replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]);
function fmtDur(s) { const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60); return h ? `${h} h ${m} min` : `${m} min ${Math.round(s % 60)} s`; }

function setView() {
  $("#list-view").hidden = state.mode !== "list";
  $("#rec-view").hidden = state.mode !== "ecg";
  $("#templates-view").hidden = state.mode !== "templates";
  for (const id of ["#btn-ecg", "#btn-templates", "#btn-undo", "#btn-report"]) $(id).hidden = state.mode === "list";
  $("#btn-ecg").classList.toggle("active", state.mode === "ecg");
  $("#btn-templates").classList.toggle("active", state.mode === "templates");
  if (state.mode === "list") { $("#title").textContent = ""; $("#counts").textContent = ""; }
}

// ---- one recording -----------------------------------------------------------------------------
async function openRecording(id, mode) {
  if (!state.rec || state.rec.id !== id) {
    document.body.dataset.ready = "";
    state.rec = await get("recordings/" + encodeURIComponent(id));
    state.tiles = new Tiles(recApi, state.rec);
    state.tiles.onload = redraw;
    state.view = { t0: 0, span: Math.min(PAPER_S, state.rec.duration_s) };
    state.selected = null; state.range = null;
    await reload();
  }
  state.mode = mode; setView();
  if (mode === "templates") await showTemplates(state, { recApi, recPost, reload, toast, goTo });
  else { resize(); }
  document.body.dataset.ready = mode;
}

async function reload() {
  const [b, ev, ov] = await Promise.all([recApi("beats"), recApi("events"), recApi("overview?bins=" + Math.max(60, Math.round(($("#overview").clientWidth || 1200) / 4)))]);
  state.beats = new Beats(b, state.rec.fs); state.events = ev; state.overview = ov;
  updateHeader();
  redraw();
}

function updateHeader() {
  const r = state.rec, bl = state.beats.label, n = { N: 0, S: 0, V: 0, F: 0, Q: 0 };
  for (const c of bl) n[c]++;
  $("#title").textContent = r.name;
  $("#counts").innerHTML = `${bl.length} beats: ` + Object.entries(n).map(([k, v]) => `<span class="cls-${k}">${k} ${v}</span>`).join(" ") +
    ` · V burden ${(100 * n.V / Math.max(1, bl.length)).toFixed(1)} % · ${state.rec.n_corrections ?? 0} corrections`;
  $("#btn-undo").disabled = !state.rec.can_undo;
}

function resize() {
  if (!state.rec || state.mode !== "ecg") return;
  const c = $("#ecg"), o = $("#overview");
  state.ecg = setupCanvas(c, ecgHeight(c.clientWidth, state.rec.leads.length));
  state.ov = setupCanvas(o, 96);
  redraw();
}

let frame = 0;
function redraw() { if (!frame) frame = requestAnimationFrame(draw); }
function draw() {
  frame = 0;
  if (!state.rec || state.mode !== "ecg" || !state.ecg) return;
  const ui = { noise: state.events.noise, episodes: state.events.episodes, range: state.range, selected: state.selected };
  drawEcg(state.ecg.ctx, state.ecg.w, state.ecg.h, state.view, state.rec, state.beats, state.tiles, ui);
  drawOverview(state.ov.ctx, state.ov.w, state.ov.h, state.overview, state.rec, state.view);
  status();
  if (state.tiles.idle()) { document.body.dataset.drawn = `${state.view.t0.toFixed(3)}:${state.view.span.toFixed(3)}`; noteSeen(); }
}

function status() {
  const v = state.view;
  let s = `${clock(v.t0)} – ${clock(v.t0 + v.span)}   window ${v.span < 120 ? v.span.toFixed(1) + " s" : (v.span / 60).toFixed(1) + " min"}` +
    `   ${(25 * PAPER_S / v.span).toFixed(v.span > 100 ? 2 : 1)} mm/s, 10 mm/mV`;
  if (state.selected != null) {
    const i = state.selected, b = state.beats, conf = b.conf[i];
    s += `\nselected beat ${i + 1}/${b.length} at ${clock(b.sample[i] / state.rec.fs)} (sample ${b.sample[i]}): ${b.label[i]}` +
      (b.model[i] === "-" ? " (inserted)" : b.model[i] !== b.label[i] ? ` (model: ${b.model[i]})` : "") +
      (conf >= 0 ? `, model confidence ${(conf / 1000).toFixed(2)}` : "");
    if (i > 0) s += `, RR ${((b.sample[i] - b.sample[i - 1]) / state.rec.fs * 1000).toFixed(0)} ms`;
  } else if (state.range) s += `\nstretch ${clock(Math.min(...state.range))} – ${clock(Math.max(...state.range))}: x noise, a AF, l flutter, t VT`;
  $("#status").textContent = s;
  $("#status").dataset.selected = state.selected == null ? "" : state.beats.label[state.selected];
}
const clock = (t) => { const h = Math.floor(t / 3600), m = Math.floor((t % 3600) / 60), s = t % 60;
  return `${h}:${String(m).padStart(2, "0")}:${s.toFixed(2).padStart(5, "0")}`; };

let seenTimer = 0;
function noteSeen() {   // a stretch looked at closely for a second counts as reviewed
  clearTimeout(seenTimer);
  if (state.view.span > 60) return;
  const { t0, span } = state.view, id = state.rec.id;
  seenTimer = setTimeout(() => { if (state.rec && state.rec.id === id) recPost("progress", { start_s: t0, end_s: Math.min(t0 + span, state.rec.duration_s) }).catch(() => {}); }, 1000);
}

// ---- navigation ----------------------------------------------------------------------------------
function setView2(t0, span) {
  const dur = state.rec.duration_s;
  span = Math.min(dur, Math.max(Math.min(PAPER_S, dur), span));
  state.view = { t0: Math.min(Math.max(0, t0), dur - span), span };
  redraw();
}
export function goTo(t, select) {
  const span = state.view.span > 60 ? PAPER_S : state.view.span;
  setView2(t - span / 2, span);
  if (select != null) state.selected = select;
  if (state.mode !== "ecg") location.hash = "rec=" + encodeURIComponent(state.rec.id);
  redraw();
}
function here() { return state.selected != null ? state.beats.sample[state.selected] / state.rec.fs : state.view.t0 + state.view.span / 2; }

function jump(kind, back) {
  const b = state.beats, fs = state.rec.fs, t = here();
  if (kind === "run" || kind === "episode") {
    const list = (kind === "run" ? state.events.runs : state.events.episodes).map((e) => e.start_s);
    const next = back ? list.filter((s) => s < t - 1e-3).pop() : list.find((s) => s > t + 1e-3);
    if (next == null) return toast(`no ${back ? "earlier" : "later"} ${kind}`);
    const i = b.nearest(next); return goTo(next, i);
  }
  const ok = kind === "low" ? (i) => b.review[i] === "1" : (i) => b.label[i] === kind;
  let i = state.selected != null ? state.selected : b.lower(t * fs) - (back ? 0 : 1);
  for (i += back ? -1 : 1; i >= 0 && i < b.length; i += back ? -1 : 1) if (ok(i)) return goTo(b.sample[i] / fs, i);
  toast(`no ${back ? "earlier" : "later"} ${kind === "low" ? "low-confidence" : kind} beat`);
}

// ---- corrections -------------------------------------------------------------------------------
async function correct(body, keep) {
  try {
    const r = await recPost("corrections", body);
    await afterCorrection(r, keep);
    return r;
  } catch (e) { toast(e.message, true); }
}
export async function afterCorrection(r, keep) {
  Object.assign(state.rec, { n_corrections: r.n_corrections, can_undo: r.can_undo });
  const sel = keep != null ? keep : r.sample;
  await reload();
  state.selected = sel == null ? null : Math.min(state.beats.lower(sel), state.beats.length - 1);
  $("#saved").textContent = `saved ${new Date().toLocaleTimeString()}`;
  redraw();
}
function relabel(c) {
  if (state.selected == null) return toast("select a beat first (click it)");
  const s = state.beats.sample[state.selected];
  if (state.beats.label[state.selected] === c) return;
  return correct({ action: "relabel", sample: s, label: c }, s);
}
function del() {
  if (state.selected == null) return toast("select a beat first (click it)");
  const s = state.beats.sample[state.selected];
  return correct({ action: "delete", sample: s }, s);
}
function insert(t) {
  if (t == null) return toast("point at the missed beat with the mouse, then press i");
  return correct({ action: "insert", sample: Math.round(t * state.rec.fs), label: "N" });
}
function mark(kind) {
  if (!state.range) return toast("select a stretch first (Shift+drag)");
  const fs = state.rec.fs, a = Math.round(Math.min(...state.range) * fs), b = Math.round(Math.max(...state.range) * fs);
  const action = kind === "noise" || kind === "unreadable" ? "noise" : "episode";
  state.range = null;
  return correct({ action, start: a, end: Math.min(b, state.rec.n_samples - 1), kind });
}
async function undo() {
  try { const r = await recPost("undo"); await afterCorrection(r, state.selected != null ? state.beats.sample[state.selected] : null); toast("undone"); if (state.mode === "templates") await showTemplates(state, { recApi, recPost, reload, toast, goTo }); }
  catch (e) { toast(e.message, true); }
}
async function report() {
  try {
    toast("writing the report…");
    const blob = await recPost("report");
    const a = document.createElement("a"); a.href = URL.createObjectURL(blob); a.download = `${state.rec.id}_report.pdf`; a.click();
    toast("report written beside the annotations");
  } catch (e) { toast(e.message, true); }
}

// ---- mouse -------------------------------------------------------------------------------------
function timeAt(ev) { const r = $("#ecg").getBoundingClientRect(); return state.view.t0 + ((ev.clientX - r.left) / r.width) * state.view.span; }
function wireMouse() {
  const c = $("#ecg");
  let drag = null;
  c.addEventListener("pointerdown", (ev) => {
    c.setPointerCapture(ev.pointerId);
    drag = { x: ev.clientX, t0: state.view.t0, t: timeAt(ev), range: ev.shiftKey, moved: false };
    if (drag.range) state.range = [drag.t, drag.t];
  });
  c.addEventListener("pointermove", (ev) => {
    state.mouseT = timeAt(ev);
    if (!drag) return;
    if (Math.abs(ev.clientX - drag.x) > 3) drag.moved = true;
    if (drag.range) { state.range[1] = timeAt(ev); state.selected = null; redraw(); return; }
    if (drag.moved) setView2(drag.t0 - ((ev.clientX - drag.x) / c.getBoundingClientRect().width) * state.view.span, state.view.span);
  });
  c.addEventListener("pointerup", (ev) => {
    if (drag && !drag.moved && !drag.range) {   // a click selects the nearest beat
      const i = state.beats.nearest(timeAt(ev));
      state.selected = Math.abs(state.beats.sample[i] / state.rec.fs - timeAt(ev)) < Math.max(0.4, state.view.span / 40) ? i : null;
      state.range = null; redraw();
    }
    if (drag && drag.range && Math.abs(state.range[1] - state.range[0]) < 0.05) state.range = null;
    drag = null; redraw();
  });
  c.addEventListener("dblclick", (ev) => insert(timeAt(ev)));
  c.addEventListener("wheel", (ev) => {
    ev.preventDefault();
    const t = timeAt(ev), f = Math.exp((ev.deltaY || ev.deltaX) * 0.0015);
    const span = Math.min(state.rec.duration_s, Math.max(PAPER_S, state.view.span * f));
    setView2(t - ((t - state.view.t0) / state.view.span) * span, span);
  }, { passive: false });
  $("#overview").addEventListener("click", (ev) => {
    const r = $("#overview").getBoundingClientRect();
    const t = ((ev.clientX - r.left) / r.width) * state.rec.duration_s;
    setView2(t - state.view.span / 2, state.view.span);
  });
}

// ---- keys --------------------------------------------------------------------------------------
const JUMPS = { S: "S", V: "V", R: "run", E: "episode", L: "low" };
const MARKS = { x: "noise", X: "unreadable", a: "AF", l: "AFL", t: "VT" };
function onKey(ev) {
  if (ev.target.tagName === "INPUT" || state.mode === "list") return;
  const k = ev.key;
  if (k === "?") { $("#help").hidden = !$("#help").hidden; return; }
  if (k === "Escape") { $("#help").hidden = true; state.selected = null; state.range = null; redraw(); return; }
  if (k === "g") { location.hash = (state.mode === "templates" ? "rec=" : "templates=") + encodeURIComponent(state.rec.id); return; }
  if ((k === "z" && (ev.ctrlKey || ev.metaKey)) || k === "u") { ev.preventDefault(); undo(); return; }
  if (state.mode === "templates") { templateKey(k); return; }
  const letter = ev.code && ev.code.startsWith("Key") ? ev.code.slice(3) : "";
  if (ev.shiftKey && JUMPS[letter]) { ev.preventDefault(); jump(JUMPS[letter], ev.altKey); return; }
  if (ev.ctrlKey || ev.metaKey || ev.altKey) return;
  if ("nsvfq".includes(k) && k.length === 1) { relabel(k.toUpperCase()); return; }
  if (MARKS[k]) { mark(MARKS[k]); return; }
  const v = state.view;
  switch (k) {
    case "Delete": case "Backspace": ev.preventDefault(); del(); break;
    case "i": insert(state.mouseT); break;
    case ".": case ",": { const b = state.beats; let i = state.selected ?? b.lower(here() * state.rec.fs);
      i = Math.max(0, Math.min(b.length - 1, i + (k === "." ? 1 : -1))); state.selected = i;
      const t = b.sample[i] / state.rec.fs; if (t < v.t0 || t > v.t0 + v.span) goTo(t, i); else redraw(); break; }
    case "ArrowRight": setView2(v.t0 + v.span / 2, v.span); break;
    case "ArrowLeft": setView2(v.t0 - v.span / 2, v.span); break;
    case "+": case "=": setView2(v.t0 + v.span / 4, v.span / 2); break;
    case "-": setView2(v.t0 - v.span / 2, v.span * 2); break;
    case "Home": setView2(0, v.span); break;
    case "End": setView2(state.rec.duration_s, v.span); break;
  }
}

// ---- routing -----------------------------------------------------------------------------------
async function route() {
  const h = new URLSearchParams(location.hash.slice(1));
  try {
    if (h.get("rec")) await openRecording(h.get("rec"), "ecg");
    else if (h.get("templates")) await openRecording(h.get("templates"), "templates");
    else await showList();
  } catch (e) { toast(e.message, true); document.body.dataset.ready = "error"; }
}

function wire() {
  wireMouse();
  document.addEventListener("keydown", onKey);
  window.addEventListener("resize", resize);
  window.addEventListener("hashchange", route);
  $("#home").onclick = (e) => { e.preventDefault(); location.hash = ""; };
  $("#btn-ecg").onclick = () => (location.hash = "rec=" + encodeURIComponent(state.rec.id));
  $("#btn-templates").onclick = () => (location.hash = "templates=" + encodeURIComponent(state.rec.id));
  $("#btn-undo").onclick = undo;
  $("#btn-report").onclick = report;
  $("#btn-help").onclick = () => ($("#help").hidden = !$("#help").hidden);
  $("#btn-delete").onclick = del;
  $("#btn-insert").onclick = () => insert(state.mouseT ?? here());
  document.querySelectorAll("[data-jump]").forEach((b) => (b.onclick = (ev) => jump(b.dataset.jump, ev.altKey)));
  document.querySelectorAll("[data-label]").forEach((b) => (b.onclick = () => relabel(b.dataset.label)));
  document.querySelectorAll("[data-mark]").forEach((b) => (b.onclick = () => mark(b.dataset.mark)));
  for (const [k, c] of Object.entries(COLORS)) document.documentElement.style.setProperty("--" + k, c);
  route();
}
export { state, reload };
wire();
