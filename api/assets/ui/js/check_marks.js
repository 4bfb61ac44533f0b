// A consistency check's answer (CheckView: failures, warnings, numbers) drawn on the
// report form: each failing rule's message at every field it names (aria-invalid),
// warnings likewise without the flag, the Thai words beside each number, and a
// summary whose entries move focus to the field. The rules themselves live in the
// API (`POST …/check`); the page never re-computes them.

import { fill, h } from "./dom.js";

/** The error slot beside a control or a section. */
function slotOf(target) {
  if (!target) return null;
  if (target.dataset.section !== undefined) return target.querySelector(":scope > .section-error");
  return document.getElementById(`${target.id}-error`);
}

function clear(form) {
  for (const control of form.controls()) {
    control.removeAttribute("aria-invalid");
    control.classList.remove("warned");
    const words = document.getElementById(`${control.id}-words`);
    if (words) words.textContent = "";
  }
  for (const slot of form.element.querySelectorAll(".field-error")) {
    slot.replaceChildren();
    slot.classList.remove("warning");
    delete slot.dataset.failing;
  }
}

/** Adds `message` to the slot of the control or section at `path`. */
function mark(form, path, message, failing) {
  const target = form.at(path);
  const slot = slotOf(target);
  if (!slot) return;
  if (slot.textContent) slot.append(h("br"));
  slot.append(message);
  const isControl = target.dataset.field !== undefined;
  if (failing) {
    slot.dataset.failing = "true";
    if (isControl) target.setAttribute("aria-invalid", "true");
  } else {
    if (!slot.dataset.failing) slot.classList.add("warning");
    if (isControl) target.classList.add("warned");
  }
}

/** One summary entry: the rule's message; a button takes focus to its first field. */
function entry(form, item, kind) {
  const first = (item.fields ?? []).map((path) => form.at(path)).find(Boolean);
  const focusable = first?.dataset.field !== undefined ? first : first?.querySelector("[data-field]");
  return h(
    "li",
    { class: kind, dataset: { rule: item.rule } },
    h("b", { text: `${item.rule}: ` }),
    item.message,
    focusable ? [" ", h("button", { type: "button", class: "quiet go-to", text: "Go to field", onclick: () => focusable.focus() })] : null,
  );
}

/**
 * Draws `check` on `form` and lists it in `summary`. An API refusal of the values
 * themselves (`details`: [{field, message}]) is drawn the same way as failures.
 */
export function showCheck(form, summary, check) {
  clear(form);
  const failures = check.failures ?? [];
  const warnings = check.warnings ?? [];
  for (const failure of failures) {
    const fields = failure.fields ?? [];
    // A rule over a whole column (votes against good ballots) says it once, above
    // the table; each cell it read is still marked invalid.
    const rows = new Map();
    for (const path of fields) {
      const table = path.match(/^(reports\[\d+\]\.vote_results)\[\d+\]/)?.[1];
      if (table) rows.set(table, (rows.get(table) ?? 0) + 1);
    }
    for (const [table, count] of rows) if (count > 1) mark(form, table, failure.message, true);
    for (const path of fields) {
      const table = path.match(/^(reports\[\d+\]\.vote_results)\[\d+\]/)?.[1];
      mark(form, path, table && rows.get(table) > 1 ? `Part of: ${failure.rule} (see above the table).` : failure.message, true);
    }
  }
  for (const warning of warnings) {
    for (const path of warning.fields ?? []) mark(form, path, `Warning: ${warning.message}`, false);
  }
  for (const number of check.numbers ?? []) {
    const control = form.at(number.field);
    const words = control && document.getElementById(`${control.id}-words`);
    if (words) words.textContent = number.thai_words;
  }
  const verdict = failures.length
    ? `${failures.length} rule${failures.length === 1 ? " fails" : "s fail"}`
    : "Every rule holds";
  fill(
    summary,
    h("p", { id: "check-verdict", class: failures.length ? "verdict failing" : "verdict holding", text: warnings.length ? `${verdict}; ${warnings.length} warning${warnings.length === 1 ? "" : "s"}.` : `${verdict}.` }),
    failures.length || warnings.length
      ? h("ul", { id: "check-list" }, failures.map((f) => entry(form, f, "failure")), warnings.map((w) => entry(form, w, "warning")))
      : null,
  );
  return failures.length;
}

/** Field problems of a refused check or label (422 details) as a check's failures. */
export function detailsAsCheck(details) {
  return {
    failures: details.map((d) => ({ rule: "invalid value", message: d.message, fields: [d.field.startsWith("reports") ? d.field : `reports${d.field.startsWith("[") ? "" : "."}${d.field}`] })),
    warnings: [],
    numbers: [],
  };
}
