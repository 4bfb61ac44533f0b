// Charts drawn as inline SVG by hand: no library, no external service. Each chart is a
// <figure> whose <svg role="img"> carries a text summary for screen readers; the
// numbers themselves are also in the tables beside the charts.

import { h, s, uid } from "./dom.js";

/** Okabe–Ito: distinguishable with the common colour-vision deficiencies. */
export const PALETTE = ["#0072b2", "#e69f00", "#009e73", "#cc79a7", "#56b4e9", "#d55e00", "#f0e442", "#000000"];

const FONT_WIDTH = 6.2; // px per character at 11px, to size label columns

function figure(title, summary, svg, legend) {
  const titleId = uid("chart");
  svg.setAttribute("role", "img");
  svg.setAttribute("aria-labelledby", titleId);
  svg.prepend(s("title", { id: titleId }, `${title}. ${summary}`));
  return h("figure", { class: "chart" }, h("figcaption", { text: title }), svg, legend ?? null);
}

function legendOf(names) {
  return h("div", { class: "legend", "aria-hidden": "true" }, names.map((name, i) => h("span", { class: `c${i % PALETTE.length}`, text: name })));
}

function clip(text, chars) {
  return text.length > chars ? `${text.slice(0, chars - 1)}…` : text;
}

/** Evenly spaced ticks from 0 to `max`. */
function ticks(max, count = 5) {
  return Array.from({ length: count + 1 }, (_, i) => (max * i) / count);
}

/**
 * Horizontal grouped bars: one group per category, one bar per series.
 * `series`: [{name, values: [number|null per category]}].
 */
export function barChart({ title, categories, series, max = 1, format }) {
  const labelChars = Math.min(34, Math.max(...categories.map((c) => c.length), 8));
  const left = labelChars * FONT_WIDTH + 12;
  const width = 560;
  const plot = width - left - 56;
  const bar = 14;
  const group = series.length * bar + 12;
  const top = 8;
  const height = top + categories.length * group + 26;
  const x = (v) => left + (Math.max(0, Math.min(v, max)) / max) * plot;
  const svg = s("svg", { viewBox: `0 0 ${width} ${height}` });
  const grid = s("g", { class: "grid" });
  const axis = s("g", { class: "axis" });
  for (const t of ticks(max)) {
    grid.append(s("line", { x1: x(t), x2: x(t), y1: top, y2: height - 22 }));
    axis.append(s("text", { x: x(t), y: height - 8, "text-anchor": "middle", class: "muted" }, format(t)));
  }
  svg.append(grid, axis);
  const described = [];
  categories.forEach((category, ci) => {
    const y0 = top + ci * group + 6;
    svg.append(s("text", { x: left - 8, y: y0 + (series.length * bar) / 2 + 4, "text-anchor": "end" }, clip(category, labelChars)));
    series.forEach((serie, si) => {
      const value = serie.values[ci];
      const y = y0 + si * bar;
      if (value === null || value === undefined) {
        svg.append(s("text", { x: left + 4, y: y + bar - 3, class: "muted" }, "n/a"));
        return;
      }
      svg.append(s("rect", { x: left, y, width: Math.max(1, x(value) - left), height: bar - 2, fill: PALETTE[si % PALETTE.length], rx: 2 }));
      svg.append(s("text", { x: x(value) + 4, y: y + bar - 4 }, format(value)));
      described.push(`${category} ${serie.name} ${format(value)}`);
    });
  });
  return figure(title, described.join("; "), svg, series.length > 1 ? legendOf(series.map((x) => x.name)) : null);
}

/** Points on two axes: `points` [{label, x, y}], x and y from 0. */
export function scatterChart({ title, points, xLabel, yLabel, xFormat, yFormat, yMax = 1, emptyText }) {
  const usable = points.filter((p) => p.x !== null && p.x !== undefined && p.y !== null && p.y !== undefined);
  const width = 560;
  const height = 300;
  const left = 58;
  const right = 20;
  const top = 26;
  const bottom = 44;
  const xMax = Math.max(...usable.map((p) => p.x), 0) * 1.15 || 1;
  const x = (v) => left + (v / xMax) * (width - left - right);
  const y = (v) => height - bottom - (v / yMax) * (height - top - bottom);
  const svg = s("svg", { viewBox: `0 0 ${width} ${height}` });
  const grid = s("g", { class: "grid" });
  const axis = s("g", { class: "axis" });
  for (const t of ticks(yMax)) {
    grid.append(s("line", { x1: left, x2: width - right, y1: y(t), y2: y(t) }));
    axis.append(s("text", { x: left - 6, y: y(t) + 4, "text-anchor": "end", class: "muted" }, yFormat(t)));
  }
  for (const t of ticks(xMax, 4)) {
    grid.append(s("line", { x1: x(t), x2: x(t), y1: top, y2: height - bottom }));
    axis.append(s("text", { x: x(t), y: height - bottom + 16, "text-anchor": "middle", class: "muted" }, xFormat(t)));
  }
  axis.append(
    s("text", { x: (left + width - right) / 2, y: height - 6, "text-anchor": "middle" }, xLabel),
    s("text", { x: 14, y: (top + height - bottom) / 2, "text-anchor": "middle", transform: `rotate(-90 14 ${(top + height - bottom) / 2})` }, yLabel),
  );
  svg.append(grid, axis);
  usable.forEach((p, i) => {
    const cx = x(p.x);
    const cy = y(p.y);
    svg.append(s("circle", { cx, cy, r: 6, fill: PALETTE[points.indexOf(p) % PALETTE.length], stroke: "#fff", "stroke-width": 1.5 }));
    const anchor = cx > width - 160 ? "end" : "start";
    svg.append(s("text", { x: anchor === "end" ? cx - 9 : cx + 9, y: cy - 8 - (i % 2) * 11, "text-anchor": anchor }, clip(p.label, 30)));
  });
  if (usable.length === 0) {
    svg.append(s("text", { x: width / 2, y: height / 2, "text-anchor": "middle", class: "muted" }, emptyText ?? "no data"));
  }
  const summary = usable.map((p) => `${p.label}: ${xFormat(p.x)}, ${yFormat(p.y)}`).join("; ") || (emptyText ?? "no data");
  return figure(title, summary, svg, legendOf(points.map((p) => p.label)));
}

function quantile(sorted, q) {
  if (sorted.length === 0) return null;
  const index = (sorted.length - 1) * q;
  const low = Math.floor(index);
  const high = Math.ceil(index);
  return sorted[low] + (sorted[high] - sorted[low]) * (index - low);
}

/**
 * Distribution per row: every value as a dot, a box from the 25th to the 75th
 * percentile with the median, whiskers to the 5th and 95th.
 */
export function distributionChart({ title, rows, format }) {
  const labelChars = Math.min(34, Math.max(...rows.map((r) => r.label.length), 8));
  const left = labelChars * FONT_WIDTH + 12;
  const width = 560;
  const right = 24;
  const rowHeight = 34;
  const top = 8;
  const height = top + rows.length * rowHeight + 28;
  const all = rows.flatMap((r) => r.values);
  const max = Math.max(...all, 1) * 1.05;
  const x = (v) => left + (v / max) * (width - left - right);
  const svg = s("svg", { viewBox: `0 0 ${width} ${height}` });
  const grid = s("g", { class: "grid" });
  const axis = s("g", { class: "axis" });
  for (const t of ticks(max, 4)) {
    grid.append(s("line", { x1: x(t), x2: x(t), y1: top, y2: height - 24 }));
    axis.append(s("text", { x: x(t), y: height - 8, "text-anchor": "middle", class: "muted" }, format(t)));
  }
  svg.append(grid, axis);
  const described = [];
  rows.forEach((row, ri) => {
    const mid = top + ri * rowHeight + rowHeight / 2;
    const color = PALETTE[ri % PALETTE.length];
    svg.append(s("text", { x: left - 8, y: mid + 4, "text-anchor": "end" }, clip(row.label, labelChars)));
    const sorted = [...row.values].sort((a, b) => a - b);
    if (sorted.length === 0) {
      svg.append(s("text", { x: left + 4, y: mid + 4, class: "muted" }, "no calls"));
      return;
    }
    const [p5, p25, p50, p75, p95] = [0.05, 0.25, 0.5, 0.75, 0.95].map((q) => quantile(sorted, q));
    svg.append(
      s("line", { x1: x(p5), x2: x(p95), y1: mid, y2: mid, stroke: color, "stroke-width": 1.5 }),
      s("rect", { x: x(p25), y: mid - 9, width: Math.max(2, x(p75) - x(p25)), height: 18, fill: color, "fill-opacity": 0.18, stroke: color }),
      s("line", { x1: x(p50), x2: x(p50), y1: mid - 9, y2: mid + 9, stroke: color, "stroke-width": 2.5 }),
    );
    sorted.forEach((v, i) => {
      svg.append(s("circle", { cx: x(v), cy: mid + ((i % 5) - 2) * 2.5, r: 2, fill: color, "fill-opacity": 0.6 }));
    });
    described.push(`${row.label}: median ${format(p50)}, 95th percentile ${format(p95)}, ${sorted.length} calls`);
  });
  return figure(title, described.join("; "), svg, null);
}

/** A line over time: `points` [{label, x: Date, y}] oldest first. */
export function trendChart({ title, series, yFormat, yMax = 1 }) {
  const width = 640;
  const height = 260;
  const left = 56;
  const right = 24;
  const top = 12;
  const bottom = 40;
  const times = series.flatMap((serie) => serie.points.map((p) => p.x.getTime()));
  const t0 = Math.min(...times);
  const t1 = Math.max(...times);
  const span = t1 - t0 || 1;
  const x = (t) => (times.length < 2 || t1 === t0 ? (left + width - right) / 2 : left + ((t - t0) / span) * (width - left - right));
  const y = (v) => height - bottom - (v / yMax) * (height - top - bottom);
  const svg = s("svg", { viewBox: `0 0 ${width} ${height}` });
  const grid = s("g", { class: "grid" });
  const axis = s("g", { class: "axis" });
  for (const t of ticks(yMax)) {
    grid.append(s("line", { x1: left, x2: width - right, y1: y(t), y2: y(t) }));
    axis.append(s("text", { x: left - 6, y: y(t) + 4, "text-anchor": "end", class: "muted" }, yFormat(t)));
  }
  const dates = [...new Set(times)].sort((a, b) => a - b);
  const step = Math.max(1, Math.ceil(dates.length / 6));
  dates.filter((_, i) => i % step === 0).forEach((t) => {
    axis.append(s("text", { x: x(t), y: height - bottom + 16, "text-anchor": "middle", class: "muted" }, new Date(t).toLocaleDateString("en-GB", { day: "numeric", month: "short" })));
  });
  svg.append(grid, axis);
  const described = [];
  series.forEach((serie, si) => {
    const color = PALETTE[si % PALETTE.length];
    const path = serie.points.map((p, i) => `${i === 0 ? "M" : "L"}${x(p.x.getTime()).toFixed(1)},${y(p.y).toFixed(1)}`).join(" ");
    svg.append(s("path", { d: path, fill: "none", stroke: color, "stroke-width": 2 }));
    for (const p of serie.points) {
      svg.append(s("circle", { cx: x(p.x.getTime()), cy: y(p.y), r: 3.5, fill: color }, s("title", {}, `${serie.name} ${p.x.toLocaleDateString("en-GB")}: ${yFormat(p.y)}`)));
    }
    const last = serie.points.at(-1);
    if (last) described.push(`${serie.name}: latest ${yFormat(last.y)} over ${serie.points.length} runs`);
  });
  if (times.length === 0) svg.append(s("text", { x: width / 2, y: height / 2, "text-anchor": "middle", class: "muted" }, "no finished runs yet"));
  return figure(title, described.join("; ") || "no finished runs yet", svg, legendOf(series.map((x) => x.name)));
}
