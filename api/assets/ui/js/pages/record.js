// The drill-down of one record of one experiment: the scanned pages beside the
// expected and the extracted values, field by field, differences highlighted; the
// record's scores, error and call figures below. With trials, every trial of the
// record is listed and `?trial=k` shows trial k.

import { api, blobUrl, pathOf, resultsOf } from "../api.js";
import { fill, h } from "../dom.js";
import { emulatedBadge, ms, num, pct, statusBadge, usd } from "../format.js";
import { recordAccuracy } from "./experiment.js";

const FORM_INFO = ["form_type", "date", "province", "district", "sub_district", "constituency_number", "polling_station_number"];
const VOTERS = ["eligible_voters", "voters_present"];
const BALLOTS = ["ballots_allocated", "ballots_used", "good_ballots", "bad_ballots", "no_vote_ballots", "ballots_remaining"];
const VOTE_FIELDS = ["vote_count", "vote_count_text", "candidate_name", "party_name"];

export async function recordPage({ main, params, signal }, experimentId, recordId) {
  const [detail, results] = await Promise.all([
    api(`/api/v1/experiments/experiments/${experimentId}`, { signal }),
    resultsOf(experimentId, { signal }),
  ]);
  if (signal.aborted) return;
  const trials = results.filter((r) => r.record_id === recordId).sort((a, b) => (a.trial ?? 0) - (b.trial ?? 0));
  const wanted = Number(params?.get("trial") ?? 0) || 0;
  const result = trials.find((r) => (r.trial ?? 0) === wanted) ?? trials[0];
  const pin = detail.dataset;
  const record = await api(
    `/api/v1/datasets/${encodeURIComponent(pin.name)}/versions/${pin.version}/records/${encodeURIComponent(recordId)}`,
    { signal },
  );
  if (signal.aborted) return;
  const sorted = [...results].filter((r) => (r.trial ?? 0) === 0).sort((a, b) => a.record_id.localeCompare(b.record_id));
  const at = sorted.findIndex((r) => r.record_id === recordId);
  const neighbour = (r, text) =>
    r ? h("a", { class: "linkish", href: `#/experiments/${experimentId}/records/${encodeURIComponent(r.record_id)}`, text }) : null;

  const pages = h("section", { class: "pages", "aria-label": "Scanned pages" });
  fill(
    main,
    h("div", { class: "headline" }, h("h1", { text: `Record ${recordId}` }), result ? statusBadge(result.status) : null, result?.emulated ? emulatedBadge() : null),
    h(
      "div",
      { class: "kv" },
      h("span", {}, "Experiment ", h("a", { href: `#/experiments/${experimentId}`, text: detail.experiment_name })),
      h("span", {}, "Form set ", h("b", { text: record.input.form_set_name })),
      result ? h("span", {}, "Accuracy ", h("b", { text: pct(recordAccuracy(result.evaluations)) })) : null,
    ),
    h("nav", { class: "pager", "aria-label": "Other records" }, neighbour(sorted[at - 1], "← Previous record"), neighbour(sorted[at + 1], "Next record →")),
    trials.length > 1 ? trialList(experimentId, recordId, trials, result) : null,
    result ? null : h("div", { class: "banner info", text: "This experiment has no result for this record (yet)." }),
    result?.error ? h("div", { class: "banner error", role: "alert", text: `${result.error.kind}: ${result.error.message}` }) : null,
    h("div", { class: "drill" }, pages, h("section", { "aria-label": "Expected and extracted values" }, comparison(record.expected_output, result?.output ?? null))),
    result ? facts(result) : null,
    result?.ocr ? ocrReading(result.ocr) : null,
  );
  // Page images need the key: fetched, then shown through blob: URLs.
  record.page_urls.forEach((url, i) => {
    const img = h("img", { alt: `Page ${i + 1} of ${record.input.form_set_name}` });
    pages.append(h("figure", {}, img, h("figcaption", { text: `Page ${i + 1} of ${record.page_urls.length}` })));
    blobUrl(pathOf(url)).then(
      (src) => {
        img.src = src;
        signal.addEventListener("abort", () => URL.revokeObjectURL(src), { once: true });
      },
      (error) => {
        img.replaceWith(h("p", { class: "field-error", text: `Page ${i + 1} could not be loaded: ${error.message}` }));
      },
    );
  });
  if (record.page_urls.length === 0) pages.append(h("p", { class: "empty", text: "This record has no page images." }));
}

/** Every trial of the record: its status, accuracy and whether it answered as trial 0. */
function trialList(experimentId, recordId, trials, shownResult) {
  const first = JSON.stringify(trials[0].output ?? null);
  return h(
    "nav",
    { id: "record-trials", "aria-label": "Trials of this record" },
    h("span", { class: "hint", text: "Trials: " }),
    trials.map((r, i) => {
      const trial = r.trial ?? 0;
      const label = `#${trial} ${r.status} ${pct(recordAccuracy(r.evaluations))}${JSON.stringify(r.output ?? null) === first ? "" : " (differs)"}`;
      const href = `#/experiments/${experimentId}/records/${encodeURIComponent(recordId)}?trial=${trial}`;
      return [
        i ? " · " : null,
        r === shownResult ? h("b", { "aria-current": "page", text: label }) : h("a", { href, text: label }),
      ];
    }),
  );
}

function byFormType(reports) {
  const map = new Map();
  for (const report of reports ?? []) map.set(report.form_info.form_type, report);
  return map;
}

function same(a, b) {
  const norm = (v) => (v === undefined || v === null || v === "" ? null : typeof v === "string" ? v.trim() : v);
  return norm(a) === norm(b);
}

function shown(value) {
  return value === undefined || value === null || value === "" ? "—" : String(value);
}

/** Expected vs extracted, one table per form type; rows of differing values marked. */
function comparison(expected, extracted) {
  const want = byFormType(expected);
  const got = byFormType(extracted);
  const types = [...new Set([...want.keys(), ...got.keys()])];
  let differences = 0;
  const row = (label, a, b) => {
    const equal = same(a, b);
    if (!equal) differences += 1;
    return h(
      "tr",
      { class: equal ? null : "differs" },
      h("th", { scope: "row", text: label }),
      h("td", { text: shown(a) }),
      h("td", { class: equal ? "same" : "diff" }, h("span", { class: "got", text: shown(b) }), equal ? null : h("span", { class: "sr-only", text: " (differs)" })),
    );
  };
  const tables = types.map((type) => {
    const a = want.get(type);
    const b = got.get(type);
    const rows = [];
    const section = (title) => rows.push(h("tr", { class: "section" }, h("th", { colspan: "3", scope: "colgroup", text: title })));
    if (!a) section("Not expected: the model invented this form");
    if (!b) section(extracted ? "Missing from the answer" : "No answer");
    section("Form");
    for (const f of FORM_INFO) rows.push(row(f, a?.form_info?.[f], b?.form_info?.[f]));
    section("Voters");
    for (const f of VOTERS) rows.push(row(f, a?.voter_statistics?.[f], b?.voter_statistics?.[f]));
    section("Ballots");
    for (const f of BALLOTS) rows.push(row(f, a?.ballot_statistics?.[f], b?.ballot_statistics?.[f]));
    section("Vote results");
    const numbers = [...new Set([...(a?.vote_results ?? []), ...(b?.vote_results ?? [])].map((v) => v.number))].sort((x, y) => x - y);
    for (const n of numbers) {
      const va = a?.vote_results?.find((v) => v.number === n);
      const vb = b?.vote_results?.find((v) => v.number === n);
      for (const f of VOTE_FIELDS) rows.push(row(`#${n} ${f}`, va?.[f], vb?.[f]));
    }
    return h(
      "div",
      { class: "table-wrap" },
      h("h3", { text: type }),
      h(
        "table",
        { class: "expected-vs-extracted", dataset: { formType: type } },
        h("thead", {}, h("tr", {}, h("th", { scope: "col", text: "Field" }), h("th", { scope: "col", text: "Expected" }), h("th", { scope: "col", text: "Extracted" }))),
        h("tbody", {}, rows),
      ),
    );
  });
  return h(
    "div",
    { id: "comparison" },
    h("p", { id: "difference-count", class: differences ? "field-error" : "hint", text: differences ? `${differences} value${differences === 1 ? " differs" : "s differ"} from the expected output.` : "Every value matches the expected output." }),
    tables,
  );
}

function facts(result) {
  const evaluations = Object.entries(result.evaluations);
  return h(
    "section",
    { "aria-labelledby": "facts-title" },
    h("h2", { id: "facts-title", text: "Scores and call" }),
    h(
      "div",
      { class: "kv" },
      h("span", {}, "Latency ", h("b", { text: ms(result.latency_ms) })),
      h("span", {}, "Attempts ", h("b", { text: String(result.attempts) })),
      h("span", {}, "429s ", h("b", { text: String(result.rate_limited ?? 0) })),
      h("span", {}, "Tokens ", h("b", { text: `${num(result.tokens.prompt)} in / ${num(result.tokens.output)} out / ${num(result.tokens.thinking)} thinking` })),
      h("span", {}, "Cost ", h("b", { text: usd(result.cost_usd) })),
      result.model_version ? h("span", {}, "Model version ", h("b", { text: result.model_version })) : null,
      result.cpu_ms != null ? h("span", {}, "CPU time ", h("b", { text: ms(result.cpu_ms) })) : null,
    ),
    h(
      "div",
      { class: "table-wrap" },
      h(
        "table",
        {},
        h("thead", {}, h("tr", {}, h("th", { scope: "col", text: "Evaluator" }), h("th", { scope: "col", text: "Value" }))),
        h("tbody", {}, evaluations.map(([name, value]) => h("tr", {}, h("th", { scope: "row", text: name }), h("td", { text: value === null ? "n/a" : typeof value === "number" ? value.toFixed(3) : String(value) })))),
      ),
    ),
  );
}

/** What tesseract-tha read: each page's text, and which reading decided each number. */
function ocrReading(ocr) {
  const sources = Object.entries(ocr.sources);
  return h(
    "section",
    { "aria-labelledby": "ocr-title" },
    h("h2", { id: "ocr-title", text: "OCR reading" }),
    ocr.pages.map((text, i) => h("details", {}, h("summary", { text: `Page ${i + 1}` }), h("pre", { class: "ocr-text", text }))),
    h(
      "div",
      { class: "table-wrap" },
      h(
        "table",
        { id: "ocr-sources" },
        h("thead", {}, h("tr", {}, h("th", { scope: "col", text: "Number" }), h("th", { scope: "col", text: "Decided by" }))),
        h("tbody", {}, sources.map(([path, source]) => h("tr", {}, h("th", { scope: "row", text: path }), h("td", { text: source.replaceAll("_", " ") })))),
      ),
    ),
  );
}
