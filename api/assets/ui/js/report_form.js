// The editable form of a polling unit's reports — every field of the extraction
// schema (form info, voters, ballots, vote rows), rows and forms added or removed.
// Each control carries its path (`reports[0].ballot_statistics.good_ballots`) in
// `data-field`, the path the consistency check names, so a failing rule and the Thai
// words of a number land beside the control they are about.

import { h, uid } from "./dom.js";

const FORM_TYPES = ["Constituency", "PartyList"];

/** [key, label, kind] with kind text (optional when "text?") or count. */
const FORM_INFO = [
  ["form_type", "Form type", "form_type"],
  ["date", "Date", "text?"],
  ["province", "Province", "text"],
  ["district", "District", "text"],
  ["sub_district", "Sub-district", "text?"],
  ["constituency_number", "Constituency no.", "count"],
  ["polling_station_number", "Polling station no.", "count"],
];
const VOTERS = [
  ["eligible_voters", "Eligible voters", "count"],
  ["voters_present", "Voters present", "count"],
];
const BALLOTS = [
  ["ballots_allocated", "Ballots allocated", "count"],
  ["ballots_used", "Ballots used", "count"],
  ["good_ballots", "Good ballots", "count"],
  ["bad_ballots", "Bad ballots", "count"],
  ["no_vote_ballots", "No-vote ballots", "count"],
  ["ballots_remaining", "Ballots remaining", "count"],
];
const VOTE_COLUMNS = [
  ["number", "No.", "count"],
  ["candidate_name", "Candidate", "text?"],
  ["party_name", "Party", "text?"],
  ["vote_count", "Votes", "count"],
  ["vote_count_text", "Votes in words", "text?"],
];

/** An empty report of `formType`, for a record with no draft or a form added by hand. */
export function emptyReport(formType = "Constituency") {
  return {
    form_info: { form_type: formType, province: "", district: "", polling_station_number: null },
    voter_statistics: { eligible_voters: null, voters_present: null },
    ballot_statistics: Object.fromEntries(BALLOTS.map(([key]) => [key, null])),
    vote_results: [],
  };
}

/** What a control shows for a stored value. */
function shown(value) {
  return value === undefined || value === null ? "" : String(value);
}

/**
 * What the report holds for a typed value: a count is a number when it is digits
 * (commas allowed), null when empty, and otherwise the text as typed — the API reads
 * Thai digits itself and names the field when it cannot.
 */
function parsed(text, kind) {
  const trimmed = text.trim();
  if (kind === "count") {
    if (trimmed === "") return null;
    return /^[0-9][0-9,]*$/.test(trimmed) ? Number(trimmed.replaceAll(",", "")) : trimmed;
  }
  if (kind === "text?" && trimmed === "") return undefined;
  return text;
}

/**
 * Every leaf of `reports` as key → {path, value} (empty values as null). Vote rows are
 * keyed by their number when numbers are unique, so removing a row changes that row
 * only, not every row after it.
 */
function leaves(reports) {
  const out = new Map();
  const walk = (value, path, key) => {
    if (Array.isArray(value)) {
      const numbers = value.map((item) => item?.number);
      const byNumber = numbers.every((n) => n !== undefined && n !== null) && new Set(numbers).size === numbers.length;
      value.forEach((item, i) => walk(item, `${path}[${i}]`, byNumber ? `${key}[#${item.number}]` : `${key}[${i}]`));
    } else if (value !== null && typeof value === "object") {
      for (const [name, v] of Object.entries(value)) walk(v, `${path}.${name}`, `${key}.${name}`);
    } else out.set(key, { path, value: value === undefined || value === "" ? null : value });
  };
  walk(reports ?? [], "reports", "reports");
  return out;
}

/** How `reports` differ from `draft`: the number of values, and the paths of the changed controls. */
export function draftChanges(reports, draft) {
  const now = leaves(reports);
  const before = leaves(draft);
  const paths = new Set();
  let count = 0;
  for (const key of new Set([...now.keys(), ...before.keys()])) {
    if ((now.get(key)?.value ?? null) === (before.get(key)?.value ?? null)) continue;
    count += 1;
    if (now.has(key)) paths.add(now.get(key).path);
  }
  return { count, paths };
}

/**
 * The form. `onChange()` is called after every edit; `form.reports()` is what it
 * holds now. The element is rebuilt only when rows or forms are added or removed, so
 * typing never loses focus.
 */
export function reportForm(initial, { onChange }) {
  let reports = structuredClone(initial);
  const element = h("div", { id: "report-form" });

  const control = (path, kind, value, labelText, onValue) => {
    const id = uid("rf");
    const input = kind === "form_type"
      ? h("select", { id }, FORM_TYPES.map((t) => h("option", { value: t, text: t })))
      : h("input", {
          id,
          type: "text",
          autocomplete: "off",
          spellcheck: "false",
          inputmode: kind === "count" ? "numeric" : null,
          class: kind === "count" ? "count" : null,
        });
    input.value = shown(value);
    input.dataset.field = path;
    input.setAttribute("aria-describedby", `${id}-error ${id}-words`);
    if (labelText) input.setAttribute("aria-label", labelText);
    const event = kind === "form_type" ? "change" : "input";
    input.addEventListener(event, () => {
      onValue(parsed(input.value, kind));
      onChange();
    });
    const words = h("span", { class: "thai-words", id: `${id}-words`, lang: "th" });
    const error = h("p", { class: "field-error", id: `${id}-error` });
    return { input, words, error };
  };

  /** A labelled field of an object (`form_info`, ...), created on first edit. */
  const objectField = (report, section, path, [key, labelText, kind]) => {
    const { input, words, error } = control(`${path}.${section}.${key}`, kind, report[section]?.[key], null, (v) => {
      report[section] ??= {};
      if (v === undefined) delete report[section][key];
      else report[section][key] = v;
    });
    return h("div", { class: "field" }, h("label", { for: input.id, text: labelText }), h("div", { class: "with-words" }, input, words), error);
  };

  const section = (title, path, fields) =>
    h("fieldset", { class: "report-section", dataset: { section: path } }, h("legend", { text: title }), h("div", { class: "grid-fields" }, fields), h("p", { class: "field-error section-error" }));

  const voteTable = (report, r) => {
    const path = `reports[${r}].vote_results`;
    const rows = report.vote_results.map((row, i) =>
      h(
        "tr",
        {},
        VOTE_COLUMNS.map(([key, labelText, kind]) => {
          const { input, words, error } = control(`${path}[${i}].${key}`, kind, row[key], `Row ${i + 1} ${labelText.toLowerCase()}`, (v) => {
            if (v === undefined) delete row[key];
            else row[key] = v;
          });
          return h("td", { class: `col-${key}` }, h("div", { class: "with-words" }, input, words), error);
        }),
        h("td", {}, h("button", {
          type: "button",
          class: "quiet remove-row",
          "aria-label": `Remove row ${i + 1}`,
          text: "✕",
          onclick: () => {
            report.vote_results.splice(i, 1);
            rebuild(`[data-field="${path}[${Math.min(i, report.vote_results.length - 1)}].vote_count"]`, `#add-row-${r}`);
          },
        })),
      ),
    );
    const add = h("button", {
      type: "button",
      id: `add-row-${r}`,
      text: "Add a vote row",
      onclick: () => {
        const last = report.vote_results.at(-1);
        report.vote_results.push({ number: last && typeof last.number === "number" ? last.number + 1 : report.vote_results.length + 1, vote_count: null });
        rebuild(`[data-field="${path}[${report.vote_results.length - 1}].candidate_name"]`);
      },
    });
    return h(
      "fieldset",
      { class: "report-section", dataset: { section: path } },
      h("legend", { text: `Vote results (${report.vote_results.length} rows)` }),
      h("p", { class: "field-error section-error" }),
      h(
        "div",
        { class: "table-wrap" },
        h(
          "table",
          { class: "vote-rows" },
          h("thead", {}, h("tr", {}, VOTE_COLUMNS.map(([, t]) => h("th", { scope: "col", text: t })), h("th", { scope: "col" }, h("span", { class: "sr-only", text: "Remove" })))),
          h("tbody", {}, rows),
        ),
      ),
      h("div", { class: "actions" }, add),
    );
  };

  const reportBlock = (report, r) => {
    const path = `reports[${r}]`;
    return h(
      "section",
      { class: "report card", dataset: { section: path }, "aria-label": `Form ${r + 1}: ${report.form_info?.form_type ?? ""}` },
      h(
        "div",
        { class: "headline" },
        h("h3", { text: `Form ${r + 1}` }),
        reports.length > 1
          ? h("button", {
              type: "button",
              class: "quiet",
              text: "Remove this form",
              onclick: () => {
                reports.splice(r, 1);
                rebuild("#add-report");
              },
            })
          : null,
      ),
      h("p", { class: "field-error section-error" }),
      section("Form", `${path}.form_info`, FORM_INFO.map((f) => objectField(report, "form_info", path, f))),
      section("Voters", `${path}.voter_statistics`, VOTERS.map((f) => objectField(report, "voter_statistics", path, f))),
      section("Ballots", `${path}.ballot_statistics`, BALLOTS.map((f) => objectField(report, "ballot_statistics", path, f))),
      voteTable(report, r),
    );
  };

  let built = false;
  function rebuild(...focusSelectors) {
    element.replaceChildren(
      ...reports.map(reportBlock),
      h("div", { class: "actions" }, h("button", {
        type: "button",
        id: "add-report",
        text: "Add a form",
        onclick: () => {
          const taken = new Set(reports.map((x) => x.form_info?.form_type));
          reports.push(emptyReport(FORM_TYPES.find((t) => !taken.has(t)) ?? "Constituency"));
          rebuild(`[data-field="reports[${reports.length - 1}].form_info.province"]`);
        },
      })),
    );
    for (const selector of focusSelectors) {
      const target = element.querySelector(selector);
      if (target) {
        target.focus();
        break;
      }
    }
    if (built) onChange();
    built = true;
  }

  // Enter moves to the next field, as Tab does: the form is never submitted by it.
  element.addEventListener("keydown", (event) => {
    if (event.key !== "Enter" || event.altKey || event.ctrlKey || event.metaKey || !(event.target instanceof HTMLInputElement)) return;
    event.preventDefault();
    const all = [...element.querySelectorAll("[data-field]")];
    all[all.indexOf(event.target) + (event.shiftKey ? -1 : 1)]?.focus();
  });

  rebuild();
  return {
    element,
    reports: () => structuredClone(reports),
    /** The control (or the section) a check's field path names. */
    at(path) {
      return element.querySelector(`[data-field="${CSS.escape(path)}"]`) ?? element.querySelector(`[data-section="${CSS.escape(path)}"]`);
    },
    controls: () => [...element.querySelectorAll("[data-field]")],
  };
}
