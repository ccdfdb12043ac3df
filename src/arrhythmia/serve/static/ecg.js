// Drawing: ECG paper, the leads from decimated tiles, the beats; the overview strip.
// Paper: 1 mm = 0.04 s and 0.1 mV; 10 mm/mV always; 25 mm/s when 10 s fill the width.

export const COLORS = { N: "#4d9221", S: "#2166ac", V: "#b2182b", F: "#e08214", Q: "#762a83" };
export const PAPER_S = 10;       // seconds across the width at 25 mm/s
export const LEAD_MM = 30;        // height of one lead's band: 3 mV
const TOP_PX = 34, BOTTOM_PX = 18;
const TILE_POINTS = 1024;

export function setupCanvas(canvas, cssHeight) {
  const dpr = window.devicePixelRatio || 1;
  const w = canvas.clientWidth;
  canvas.style.height = cssHeight + "px";
  canvas.width = Math.round(w * dpr);
  canvas.height = Math.round(cssHeight * dpr);
  const ctx = canvas.getContext("2d");
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  return { ctx, w, h: cssHeight };
}

// px per mm of paper (vertical always; horizontal when the view spans PAPER_S seconds)
export function pxPerMm(width) { return width / (PAPER_S * 25); }

export function ecgHeight(width, nLeads) { return TOP_PX + BOTTOM_PX + nLeads * LEAD_MM * pxPerMm(width); }

// ---- tiles -------------------------------------------------------------------------------------
export class Tiles {
  constructor(api, rec) { this.api = api; this.rec = rec; this.cache = new Map(); this.pending = new Map(); this.onload = null; }
  level(span, width) {   // samples per point: a power of two near samples per px
    const spp = (span * this.rec.fs) / width;
    return Math.max(0, Math.floor(Math.log2(Math.max(1, spp))));
  }
  need(t0, t1, width) {  // tiles covering [t0, t1] at the right level; missing ones are requested
    const k = this.level(t1 - t0, width), step = 2 ** k, T = TILE_POINTS * step, fs = this.rec.fs;
    const n = this.rec.n_samples;
    const i0 = Math.max(0, Math.floor((t0 * fs) / T)), i1 = Math.min(Math.floor((n - 1) / T), Math.floor((t1 * fs) / T));
    const out = [];
    for (let i = i0; i <= i1; i++) {
      const key = k + ":" + i;
      const tile = this.cache.get(key);
      if (tile) { out.push(tile); continue; }
      const coarse = this.coarser(k, i * T, (i + 1) * T);
      if (coarse) out.push(coarse);
      if (!this.pending.has(key)) this.fetch(key, i * T, Math.min((i + 1) * T, n));
    }
    return out;
  }
  coarser(k, a, b) {
    for (let j = k + 1; j < k + 6; j++) {
      const T = TILE_POINTS * 2 ** j, t = this.cache.get(j + ":" + Math.floor(a / T));
      if (t) return t;
    }
    return null;
  }
  fetch(key, a, b) {
    const fs = this.rec.fs;
    const p = this.api(`signal?start=${a / fs}&end=${b / fs}&points=${TILE_POINTS}`).then((j) => {
      this.pending.delete(key);
      if (this.cache.size > 600) this.cache.delete(this.cache.keys().next().value);
      this.cache.set(key, j);
      if (this.onload) this.onload();
    }).catch(() => this.pending.delete(key));
    this.pending.set(key, p);
  }
  idle() { return this.pending.size === 0; }
}

// ---- paper -------------------------------------------------------------------------------------
function drawPaper(ctx, w, h, t0, span, mm) {
  const pxPerS = w / span;
  const lines = (every, color, lw) => {
    ctx.strokeStyle = color; ctx.lineWidth = lw; ctx.beginPath();
    const first = Math.ceil(t0 / every) * every;
    for (let t = first; t <= t0 + span; t += every) { const x = Math.round((t - t0) * pxPerS) + 0.5; ctx.moveTo(x, 0); ctx.lineTo(x, h); }
    ctx.stroke();
  };
  const hlines = (everyPx, color, lw) => {
    ctx.strokeStyle = color; ctx.lineWidth = lw; ctx.beginPath();
    for (let y = TOP_PX; y <= h - BOTTOM_PX + 0.1; y += everyPx) { const yy = Math.round(y) + 0.5; ctx.moveTo(0, yy); ctx.lineTo(w, yy); }
    ctx.stroke();
  };
  // time: 1 mm = 0.04 s, 5 mm = 0.2 s while they stay 3 px apart; then seconds, 10 s, minutes
  const steps = [[0.04, "#f6cfc6", 0.5], [0.2, "#eba697", 1], [1, "#e0907f", 1], [10, "#d57d6b", 1], [60, "#c56a59", 1.2],
    [600, "#b55a49", 1.4], [3600, "#a04838", 1.6]];
  let shown = 0;
  for (const [every, color, lw] of steps) if (every * pxPerS >= 3 && shown < 2) { lines(every, color, lw); shown++; }
  hlines(mm, "#f6cfc6", 0.5);
  hlines(5 * mm, "#eba697", 1);
}

function label(t) {
  const s = Math.floor(t % 60), m = Math.floor(t / 60) % 60, h = Math.floor(t / 3600);
  return (h ? h + ":" + String(m).padStart(2, "0") : m) + ":" + String(s).padStart(2, "0");
}

// ---- the ECG ----------------------------------------------------------------------------------
export function drawEcg(ctx, w, h, view, rec, beats, tiles, ui) {
  const { t0, span } = view, mm = pxPerMm(w), fs = rec.fs, pxPerS = w / span;
  ctx.clearRect(0, 0, w, h);
  drawPaper(ctx, w, h, t0, span, mm);
  const band = LEAD_MM * mm, nLeads = rec.leads.length;
  const x = (t) => (t - t0) * pxPerS;
  // stretches: noise grey, episodes tinted, the reviewer's selection yellow
  for (const m of ui.noise) shade(ctx, x(m.start_s), x(m.end_s), h, "rgba(120,120,120,.22)", m.kind);
  for (const e of ui.episodes) shade(ctx, x(e.start_s), x(e.end_s), h, "rgba(118,42,131,.10)", e.kind + (e.by === "model" ? " (model)" : ""));
  if (ui.range) shade(ctx, x(Math.min(ui.range[0], ui.range[1])), x(Math.max(ui.range[0], ui.range[1])), h, "rgba(255,210,0,.25)", "");
  // beats under the traces
  const [a, b] = beats.between(t0, t0 + span);
  const detail = span <= 60;
  if (ui.selected != null) {
    const xs = x(beats.sample[ui.selected] / fs);
    ctx.fillStyle = "rgba(255,200,0,.35)"; ctx.fillRect(xs - 6, 0, 12, h);
  }
  // leads
  const tl = tiles.need(t0, t0 + span, w);
  ctx.strokeStyle = "#111"; ctx.lineWidth = 1.1;
  for (let k = 0; k < nLeads; k++) {
    const base = TOP_PX + band * (k + 0.62);
    const y = (uv) => base - (uv / 100) * mm;   // 0.1 mV (100 uV) per mm
    ctx.beginPath();   // a tall complex runs into the next band, as on paper
    for (const tile of tl) {
      const lo = tile.min[k], hi = tile.max ? tile.max[k] : null;
      const ts = tile.start_s, dt = tile.dt_s;
      let j0 = Math.max(0, Math.floor((t0 - ts) / dt) - 1), j1 = Math.min(tile.n, Math.ceil((t0 + span - ts) / dt) + 1);
      for (let j = j0; j < j1; j++) {
        const xx = x(ts + j * dt);
        if (j === j0) ctx.moveTo(xx, y(lo[j])); else ctx.lineTo(xx, y(lo[j]));
        if (hi) ctx.lineTo(xx, y(hi[j]));
      }
    }
    ctx.stroke();
    ctx.fillStyle = "#555"; ctx.font = "12px system-ui"; ctx.fillText(rec.leads[k], 4, TOP_PX + band * k + 13);
  }
  // beat marks
  ctx.textAlign = "center";
  for (let i = a; i < b; i++) {
    const c = beats.label[i], xx = x(beats.sample[i] / fs), conf = beats.conf[i];
    if (!detail && c === "N") continue;
    ctx.fillStyle = COLORS[c] || "#000";
    if (detail) {
      ctx.font = "bold 13px system-ui"; ctx.fillText(c, xx, 14);
      if (beats.model[i] !== c) { ctx.font = "10px system-ui"; ctx.fillText(beats.model[i] === "-" ? "+" : "✎", xx + 10, 9); }
      ctx.font = "10px system-ui";
      ctx.fillText(conf < 0 ? "rev" : (conf / 1000).toFixed(2), xx, 28);
      if (beats.review[i] === "1") {  // the server applies the summary's review rule
        ctx.strokeStyle = "#d00"; ctx.lineWidth = 1.4; ctx.beginPath(); ctx.arc(xx, 15, 13, 0, 2 * Math.PI); ctx.stroke();
      }
    } else {
      ctx.fillRect(xx - 0.75, 4, 1.5, 12);
    }
  }
  ctx.textAlign = "left";
  // time axis labels
  ctx.fillStyle = "#7a3b2e"; ctx.font = "11px system-ui";
  const every = [1, 2, 5, 10, 30, 60, 120, 300, 600, 1800, 3600, 7200].find((e) => e * pxPerS >= 70) || 7200;
  for (let t = Math.ceil(t0 / every) * every; t <= t0 + span; t += every) ctx.fillText(label(t), x(t) + 2, h - BOTTOM_PX + 12);
}

function shade(ctx, x0, x1, h, color, text) {
  ctx.fillStyle = color; ctx.fillRect(x0, 0, Math.max(2, x1 - x0), h);
  if (text) { ctx.fillStyle = "#444"; ctx.font = "11px system-ui"; ctx.fillText(text, Math.max(2, x0 + 3), TOP_PX + 12); }
}

// ---- overview: heart rate, ectopic beats and episodes over the whole recording -----------------
export function drawOverview(ctx, w, h, ov, rec, view) {
  ctx.clearRect(0, 0, w, h);
  const dur = rec.duration_s, x = (t) => (t / dur) * w, bw = w / ov.bins;
  for (const e of ov.episodes) { ctx.fillStyle = "rgba(118,42,131,.18)"; ctx.fillRect(x(e.start_s), 0, Math.max(2, x(e.end_s) - x(e.start_s)), h); }
  for (const e of ov.noise) { ctx.fillStyle = "rgba(120,120,120,.3)"; ctx.fillRect(x(e.start_s), 0, Math.max(2, x(e.end_s) - x(e.start_s)), h); }
  const top = 14, hrH = h - top - 30;
  const hrs = ov.hr_bpm.filter((v) => v != null);
  const lo = Math.min(40, ...hrs), hi = Math.max(120, ...hrs);
  const y = (v) => top + hrH - ((v - lo) / (hi - lo)) * hrH;
  ctx.strokeStyle = "#333"; ctx.lineWidth = 1; ctx.beginPath();
  let started = false;
  ov.hr_bpm.forEach((v, i) => { if (v == null) { started = false; return; } const xx = (i + 0.5) * bw; if (!started) ctx.moveTo(xx, y(v)); else ctx.lineTo(xx, y(v)); started = true; });
  ctx.stroke();
  const vmax = Math.max(1, ...ov.V, ...ov.S);
  ov.V.forEach((v, i) => { if (v) { ctx.fillStyle = COLORS.V; const hh = 2 + 10 * v / vmax; ctx.fillRect(i * bw, h - 14 - hh, Math.max(1, bw), hh); } });
  ov.S.forEach((v, i) => { if (v) { ctx.fillStyle = COLORS.S; const hh = 2 + 10 * v / vmax; ctx.fillRect(i * bw, h - 2 - hh, Math.max(1, bw), hh); } });
  ctx.fillStyle = "#555"; ctx.font = "11px system-ui";
  ctx.fillText(`heart rate ${Math.round(lo)}-${Math.round(hi)} bpm`, 4, 11);
  ctx.fillStyle = COLORS.V; ctx.fillText("V", w - 12, h - 16); ctx.fillStyle = COLORS.S; ctx.fillText("S", w - 12, h - 4);
  ctx.strokeStyle = "#f0a000"; ctx.lineWidth = 2;
  ctx.strokeRect(x(view.t0), 1, Math.max(3, x(view.t0 + view.span) - x(view.t0)), h - 2);
}

export { TOP_PX };
