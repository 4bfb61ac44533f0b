// Number and date formats shared by every page.

import { h } from "./dom.js";

export function pct(value, digits = 1) {
  return value === null || value === undefined || Number.isNaN(value)
    ? "—"
    : `${(value * 100).toFixed(digits)} %`;
}

export function num(value, digits = 0) {
  return value === null || value === undefined
    ? "—"
    : Number(value).toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

export function ms(value) {
  if (value === null || value === undefined) return "—";
  return value >= 10_000 ? `${(value / 1000).toFixed(1)} s` : `${Math.round(value)} ms`;
}

export function usd(value) {
  if (value === null || value === undefined) return "—";
  if (value === 0) return "$0";
  return value < 0.01 ? `$${value.toFixed(5)}` : `$${value.toFixed(3)}`;
}

/** A date and time in the viewer's zone, or in `timeZone` (an IANA name) when given. */
export function when(iso, timeZone) {
  if (!iso) return "—";
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  const options = timeZone
    ? { weekday: "short", day: "numeric", month: "short", year: "numeric", hour: "2-digit", minute: "2-digit", timeZone }
    : { dateStyle: "medium", timeStyle: "short" };
  try {
    return date.toLocaleString("en-GB", options);
  } catch {
    // A zone this browser does not know: the viewer's own zone, said so.
    return `${date.toLocaleString("en-GB", { dateStyle: "medium", timeStyle: "short" })} (local)`;
  }
}

/** Seconds between two ISO times (or until now). */
export function seconds(from, to) {
  if (!from) return null;
  const end = to ? new Date(to) : new Date();
  return Math.max(0, (end - new Date(from)) / 1000);
}

export function statusBadge(status) {
  return h("span", { class: `badge s-${status}`, text: status });
}

export function emulatedBadge() {
  return h("span", {
    class: "badge emulated",
    title: "Answers came from gemini-emulator, not from Gemini",
    text: "EMULATED",
  });
}

/** The experiment name the API gives a configuration (contract naming rule). */
export function experimentName(model, temperature, suffix) {
  if (suffix) return `vote-extraction-${suffix}`;
  const t = Number(temperature);
  const shown = Number.isInteger(t) ? t.toFixed(1) : String(t);
  return `vote-extraction-${model}-t${shown}`;
}
