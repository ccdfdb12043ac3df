// Templates: the recording's beats grouped by shape, each an overlay of its beats on ECG paper.
// Relabelling a template relabels all its beats in one correction (one undo).
import { COLORS } from "./ecg.js";

const MM = 6;             // px per mm on a template card: 25 mm/s, 10 mm/mV
const BAND_MV = 2.6;      // least height of a card, mV (taller when the mean beat needs it)
let current = null, ctx = null, selectedGroup = null;

export async function showTemplates(state, helpers) {
  ctx = { state, ...helpers };
  const box = document.getElementById("templates");
  box.innerHTML = "";
  document.getElementById("templates-note").textContent = "grouping the beats by shape…";
  current = await helpers.recApi("templates");
  const n = current.groups.reduce((a, g) => a + g.count, 0);
  document.getElementById("templates-note").textContent =
    `${current.groups.length} templates of ${n} beats (window ${-current.window_s[0] * 1000} ms before to ` +
    `${current.window_s[1] * 1000} ms after the R peak; each card: up to 30 of its beats and their mean, leads side by side). ` +
    "Click a card to select it, then n s v f q (or its buttons) to relabel all its beats; double-click opens one of its beats.";
  current.groups.forEach((g) => box.appendChild(card(g)));
  if (selectedGroup != null && selectedGroup >= current.groups.length) selectedGroup = null;
  highlight();
}

function card(g) {
  const el = document.createElement("div");
  el.className = "tpl"; el.dataset.group = g.id; el.dataset.label = g.label;
  const mix = Object.entries(g.label_counts).map(([k, v]) => `${k} ${v}`).join(", ");
  el.innerHTML = `<div class="head"><b>#${g.id + 1}</b><span>${g.count} beats</span>` +
    `<span class="cls-${g.label}">${g.label}</span><span title="mean model confidence">` +
    `${g.confidence == null ? "–" : g.confidence.toFixed(2)}</span></div>`;
  const c = document.createElement("canvas");
  el.appendChild(c);
  const foot = document.createElement("div");
  foot.innerHTML = `<div class="mix">${mix}</div><div class="labels">relabel all: ` +
    "NSVFQ".split("").map((k) => `<button class="cls-${k}" data-k="${k}">${k}</button>`).join(" ") + "</div>";
  el.appendChild(foot);
  foot.querySelectorAll("button").forEach((b) => (b.onclick = (ev) => { ev.stopPropagation(); relabel(g.id, b.dataset.k); }));
  el.onclick = () => { selectedGroup = g.id; highlight(); };
  c.ondblclick = () => { const s = g.samples[0]; ctx.goTo(s / ctx.state.rec.fs, ctx.state.beats.lower(s)); };
  requestAnimationFrame(() => drawCard(c, g));
  return el;
}

function drawCard(canvas, g) {
  const nl = current.leads.length, win = current.window_s[0] + current.window_s[1];
  const flat = g.mean_uV.flat(), top = Math.max(...flat, 300) / 1000 + 0.2, bottom = Math.min(...flat, -300) / 1000 - 0.2;
  const lw = win * 25 * MM, w = lw * nl, h = Math.max(BAND_MV, top - bottom) * 10 * MM, dpr = window.devicePixelRatio || 1;
  canvas.style.width = w + "px"; canvas.style.height = h + "px";
  canvas.width = w * dpr; canvas.height = h * dpr;
  const c = canvas.getContext("2d"); c.setTransform(dpr, 0, 0, dpr, 0, 0);
  for (let x = 0; x <= w; x += MM) { c.strokeStyle = x % (5 * MM) === 0 ? "#eba697" : "#f6cfc6"; c.lineWidth = x % (5 * MM) === 0 ? 1 : 0.5; c.beginPath(); c.moveTo(x + 0.5, 0); c.lineTo(x + 0.5, h); c.stroke(); }
  for (let y = 0; y <= h; y += MM) { c.strokeStyle = y % (5 * MM) === 0 ? "#eba697" : "#f6cfc6"; c.lineWidth = y % (5 * MM) === 0 ? 1 : 0.5; c.beginPath(); c.moveTo(0, y + 0.5); c.lineTo(w, y + 0.5); c.stroke(); }
  const P = current.points, base = top * 10 * MM + (h - (top - bottom) * 10 * MM) / 2, col = COLORS[g.label] || "#000";
  const xy = (k, j, uv) => [k * lw + (j / (P - 1)) * lw, base - (uv / 100) * MM];
  const trace = (beat, style, width) => {
    c.strokeStyle = style; c.lineWidth = width;
    for (let k = 0; k < nl; k++) {
      c.beginPath();
      for (let j = 0; j < P; j++) { const [x, y] = xy(k, j, beat[k][j]); if (j) c.lineTo(x, y); else c.moveTo(x, y); }
      c.stroke();
    }
  };
  c.globalAlpha = 0.22; g.overlay_uV.forEach((b) => trace(b, col, 1)); c.globalAlpha = 1;
  trace(g.mean_uV, "#111", 1.6);
  c.fillStyle = "#555"; c.font = "10px system-ui";
  current.leads.forEach((name, k) => c.fillText(name, k * lw + 3, 11));
  c.strokeStyle = "#999"; for (let k = 1; k < nl; k++) { c.beginPath(); c.moveTo(k * lw + 0.5, 0); c.lineTo(k * lw + 0.5, h); c.stroke(); }
}

function highlight() {
  document.querySelectorAll(".tpl").forEach((el) => el.classList.toggle("selected", Number(el.dataset.group) === selectedGroup));
}

async function relabel(group, label) {
  try {
    const r = await ctx.recPost(`templates/${group}/label`, { label, templates_id: current.templates_id });
    ctx.toast(r.changed ? `${r.changed} beats relabelled ${label} (one undo)` : "nothing to change");
    Object.assign(ctx.state.rec, { n_corrections: r.n_corrections, can_undo: r.can_undo });
    await ctx.reload();
    await showTemplates(ctx.state, ctx);
  } catch (e) { ctx.toast(e.message, true); }
}

export function templateKey(k) {
  if (selectedGroup == null || !"nsvfq".includes(k) || k.length !== 1) return;
  relabel(selectedGroup, k.toUpperCase());
}
