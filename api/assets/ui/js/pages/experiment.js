// One experiment: its summary (once final), live counters, and its records page by
// page — with trials, one row per record and trial; each record opens the drill-down.

import { api, query } from "../api.js";
import { fill, h } from "../dom.js";
import { emulatedBadge, ms, pct, statusBadge, when } from "../format.js";
import { downloads, summaryTable } from "./run_view.js";

const PAGE = 50;
const NUMERIC = new Set(["Trial", "Accuracy", "Exact form", "Ballots", "Vote results", "Latency", "Attempts"]);

/** 0.2·exact_form_match + 0.4·ballot_accuracy_score + 0.4·vote_results_quality. */
export function recordAccuracy(evaluations) {
  const efm = evaluations.exact_form_match;
  const bas = evaluations.ballot_accuracy_score;
  const vrq = evaluations.vote_results_quality;
  if (efm === null || efm === undefined || bas === null || bas === undefined || vrq === null || vrq === undefined) return null;
  return 0.2 * (efm ? 1 : 0) + 0.4 * bas + 0.4 * vrq;
}

export async function experimentPage({ main, params, signal }, experimentId) {
  const detail = await api(`/api/v1/experiments/experiments/${experimentId}`, { signal });
  if (signal.aborted) return;
  const offset = Math.max(0, Number(params.get("offset") ?? 0) || 0);
  const page = await api(`/api/v1/experiments/experiments/${experimentId}/results${query({ offset, limit: PAGE })}`, { signal });
  if (signal.aborted) return;
  const summary = detail.summary;
  const config = detail.config;
  fill(
    main,
    h("div", { class: "headline" }, h("h1", { text: detail.experiment_name }), statusBadge(detail.status), summary?.emulated ? emulatedBadge() : null),
    h(
      "div",
      { class: "kv" },
      h("span", {}, "Run ", h("a", { href: `#/runs/${detail.run_id}`, text: detail.run_id })),
      detail.retry ? retryScope(detail.retry) : null,
      h("span", {}, "Model ", h("b", { text: config.model })),
      h("span", {}, "Temperature ", h("b", { text: Number(config.temperature).toFixed(1) })),
      h("span", {}, "Dataset ", h("b", { text: `${detail.dataset.name} v${detail.dataset.version}` })),
      h("span", {}, detail.trials > 1 ? "Record × trial results " : "Records ", h("b", { text: `${detail.progress.done} / ${detail.progress.total}` })),
      detail.trials > 1 ? h("span", { id: "trials" }, "Trials ", h("b", { text: String(detail.trials) })) : null,
      detail.finished_at ? h("span", {}, "Finished ", h("b", { text: when(detail.finished_at) })) : null,
      Object.keys(config.metadata ?? {}).length ? h("span", {}, "Metadata ", h("code", { text: JSON.stringify(config.metadata) })) : null,
    ),
    detail.error ? h("div", { class: "banner error", text: detail.error }) : null,
    summary ? summaryTable([summary]) : h("p", { class: "empty", text: "The summary appears when the experiment ends." }),
    h("h2", { id: "records-title", text: "Records" }),
    h("div", { class: "actions" }, h("span", { class: "hint", text: "Download every result:" }), downloads(experimentId)),
    recordsTable(experimentId, page.results, detail.trials > 1),
    pager(experimentId, offset, page),
  );
}

/** On a retry's experiment: the experiment it completes and the records it executes. */
function retryScope(retry) {
  const shown = retry.positions.slice(0, 20).join(", ");
  const more = retry.positions.length > 20 ? ` and ${retry.positions.length - 20} more` : "";
  return h(
    "span",
    { id: "retry-scope" },
    "Retries ",
    h("b", { text: `${retry.positions.length} records` }),
    " of ",
    h("a", { href: `#/experiments/${retry.experiment_id}`, text: retry.experiment_id }),
    ` (sample positions ${shown}${more})`,
  );
}

function recordsTable(experimentId, results, withTrials) {
  if (results.length === 0) return h("p", { class: "empty", text: "No record has a result yet." });
  return h(
    "div",
    { class: "table-wrap" },
    h(
      "table",
      { id: "records-table", "aria-labelledby": "records-title" },
      h(
        "thead",
        {},
        h("tr", {}, ["Record", withTrials ? "Trial" : null, "Status", "Accuracy", "Exact form", "Ballots", "Vote results", "Latency", "Attempts", "Error"]
          .filter((name) => name !== null)
          .map((name) => h("th", { scope: "col", class: NUMERIC.has(name) ? "num" : null, text: name }))),
      ),
      h(
        "tbody",
        {},
        results.map((r) => {
          const href = `#/experiments/${experimentId}/records/${encodeURIComponent(r.record_id)}`;
          const e = r.evaluations;
          return h(
            "tr",
            { class: "clickable", dataset: { record: r.record_id }, onclick: (event) => {
              if (event.target.tagName !== "A") location.hash = href;
            } },
            h("td", {}, h("a", { href, text: r.record_id })),
            withTrials ? h("td", { class: "num", text: String(r.trial ?? 0) }) : null,
            h("td", {}, statusBadge(r.status)),
            h("td", { class: "num", text: pct(recordAccuracy(e)) }),
            h("td", { class: "num", text: e.exact_form_match === null || e.exact_form_match === undefined ? "—" : e.exact_form_match ? "yes" : "no" }),
            h("td", { class: "num", text: pct(e.ballot_accuracy_score) }),
            h("td", { class: "num", text: pct(e.vote_results_quality) }),
            h("td", { class: "num", text: ms(r.latency_ms) }),
            h("td", { class: "num", text: String(r.attempts) }),
            h("td", { text: r.error ? `${r.error.kind}: ${r.error.message}` : "" }),
          );
        }),
      ),
    ),
  );
}

function pager(experimentId, offset, page) {
  const link = (to, text) => h("a", { class: "linkish", href: `#/experiments/${experimentId}?offset=${to}`, text });
  return h(
    "nav",
    { class: "pager", "aria-label": "Pages of records" },
    offset > 0 ? link(Math.max(0, offset - PAGE), "← Previous") : null,
    h("span", { class: "hint", text: `Records ${page.results.length ? offset + 1 : 0}–${offset + page.results.length} of ${page.total}` }),
    page.next_offset !== null ? link(page.next_offset, "Next →") : null,
  );
}
