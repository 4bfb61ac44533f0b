// One run: live progress while it runs (pushed by its status events, polled when
// they fail; with cancel), then the results — a table per experiment, charts,
// downloads and a link to compare — and,
// for a run with retries, the links between them, the combined result and a button
// retrying the records that did not succeed.

import { api, resultsOf } from "../api.js";
import { mayChangeRun } from "../auth.js";
import { runStates } from "../run_events.js";
import { barChart, distributionChart, scatterChart } from "../charts.js";
import { fill, h, saveBlob, saveJson } from "../dom.js";
import { emulatedBadge, ms, num, pct, seconds, statusBadge, usd, when } from "../format.js";

export async function runView({ main, signal }, runId) {
  const heading = h("div", { class: "headline" });
  const facts = h("div", { class: "kv" });
  const notice = h("div", { class: "banner info", role: "status" });
  const progressArea = h("section", { class: "card", "aria-labelledby": "progress-title" });
  const resultsArea = h("section", { "aria-labelledby": "results-title" });
  const cancel = h("button", { type: "button", class: "danger", id: "cancel-run", text: "Cancel run" });
  const announcer = h("p", { class: "sr-only", "aria-live": "polite" });
  fill(main, heading, facts, notice, progressArea, resultsArea, announcer);

  cancel.addEventListener("click", async () => {
    cancel.disabled = true;
    try {
      const answer = await api(`/api/v1/experiments/runs/${runId}/cancel`, { method: "POST" });
      notice.textContent = answer.message;
    } catch (error) {
      notice.textContent = `Cancel failed: ${error.message}`;
      cancel.disabled = false;
    }
  });

  // Progress rows are built once, then updated in place: a focused control (Cancel,
  // a link) keeps focus while the numbers change under it.
  const lines = new Map();
  let lastStatus = null;
  let run;
  for await (const state of runStates(runId, signal, (error) => {
    notice.textContent = `Lost contact with the API (${error.message}); retrying…`;
  })) {
    run = state;
    renderHeader(run);
    renderProgress(run);
    if (run.status !== lastStatus) {
      announcer.textContent = `Run ${run.status}`;
      lastStatus = run.status;
    }
  }
  if (signal.aborted) return;
  cancel.remove();
  await renderResults(run);

  function renderHeader(run) {
    const emulated = run.result?.experiments.some((e) => e.emulated);
    fill(heading, h("h1", { text: `Run ${run.run_id}` }), statusBadge(run.status), emulated ? emulatedBadge() : null);
    fill(
      facts,
      h("span", {}, "Dataset ", h("b", { text: `${run.dataset.name} v${run.dataset.version}` })),
      h("span", {}, "Submitted ", h("b", { text: when(run.created_at) })),
      run.finished_at ? h("span", {}, "Finished ", h("b", { text: when(run.finished_at) })) : null,
      run.submitter.schedule ? h("span", {}, "Schedule ", h("a", { href: `#/schedules/${encodeURIComponent(run.submitter.schedule)}`, text: run.submitter.schedule })) : null,
      run.submitter.api_key_name ? h("span", {}, "Key ", h("b", { text: run.submitter.api_key_name })) : null,
      run.retry_of ? h("span", { id: "retry-of" }, "Retry of ", h("a", { href: `#/runs/${run.retry_of.run_id}`, text: run.retry_of.run_id })) : null,
      run.retries.length
        ? h("span", { id: "retries" }, "Retried by ", run.retries.flatMap((r, i) => [i ? ", " : null, h("a", { href: `#/runs/${r.run_id}`, text: r.run_id }), ` (${r.status ?? "expired"})`]))
        : null,
      run.datadog_export ? h("span", { id: "datadog-export" }, "Datadog export ", h("b", { text: exportSummary(run.datadog_export) })) : null,
    );
    if (run.stalled) notice.textContent = `Stalled${run.stalled.since ? ` since ${when(run.stalled.since)}` : ""}: ${run.stalled.reason}. The run resumes by itself once the store accepts writes.`;
    else if (run.cancel_requested && !isFinal(run.status)) notice.textContent = "Cancel requested: records in flight finish, no new record starts.";
    else if (!isFinal(run.status)) notice.textContent = "";
  }

  function renderProgress(run) {
    const elapsed = seconds(run.started_at, run.finished_at);
    if (lines.size === 0) {
      const overall = progressLine("All experiments", "overall-progress");
      lines.set("overall", overall);
      const perExperiment = run.experiments.map((e) => {
        const line = progressLine(e.experiment_name, null, `#/experiments/${e.experiment_id}`);
        line.node.dataset.experiment = e.experiment_id;
        lines.set(e.experiment_id, line);
        return line.node;
      });
      fill(
        progressArea,
        h("div", { class: "headline" }, h("h2", { id: "progress-title", text: "Progress" }), cancel),
        overall.node,
        h("div", { class: "progress-grid" }, perExperiment),
      );
    }
    if (isFinal(run.status) || run.cancel_requested || !mayChangeRun(run)) cancel.hidden = true;
    lines.get("overall").update(run.progress, elapsed, null, null);
    for (const e of run.experiments) lines.get(e.experiment_id)?.update(e.progress, elapsed, e.status, e.error, e.waiting);
  }

  async function renderResults(run) {
    const result = run.result;
    if (!result) {
      fill(resultsArea, h("p", { class: "empty", text: "This run ended without a result." }));
      return;
    }
    const summaries = result.experiments;
    fill(
      resultsArea,
      h("h2", { id: "results-title", text: "Results" }),
      h("p", {}, result.message),
      h(
        "div",
        { class: "actions" },
        h("a", { class: "linkish", href: `#/runs/${run.run_id}/compare`, id: "compare-run", text: "Compare these experiments" }),
        h("button", { type: "button", text: "Download run JSON", onclick: () => saveJson(run, `${run.run_id}.json`) }),
        retryButton(run),
      ),
      summaryTable(summaries),
      trialsSection(summaries),
      combinedSection(run.combined_result),
      h("h3", { text: "Charts" }),
      h("div", { class: "charts", id: "charts" }, accuracyChart(summaries), costChart(summaries)),
    );
    const latencies = await Promise.all(
      summaries.map((e) => resultsOf(e.experiment_id, { signal }).then((rs) => rs.filter((r) => r.attempts > 0).map((r) => r.latency_ms))),
    );
    if (signal.aborted) return;
    resultsArea.querySelector("#charts").append(
      distributionChart({
        title: "Model-call latency per record",
        rows: summaries.map((e, i) => ({ label: e.experiment_name, values: latencies[i] })),
        format: ms,
      }),
    );
  }
}

/** Retries the records of the run's chain that did not succeed, then opens the retry. */
function retryButton(run) {
  const latest = run.combined_result ?? run.result;
  const incomplete = latest.experiments.some((e) => e.status !== "success" || e.failed_records > 0);
  if (!incomplete || !mayChangeRun(run)) return null;
  const button = h("button", { type: "button", id: "retry-run", text: "Retry unsuccessful records" });
  const message = h("span", { class: "hint", role: "status" });
  button.addEventListener("click", async () => {
    button.disabled = true;
    try {
      const answer = await api(`/api/v1/experiments/runs/${run.run_id}/retry`, { method: "POST" });
      location.hash = `#/runs/${answer.run_id}`;
    } catch (error) {
      message.textContent = `Retry refused: ${error.message}`;
      button.disabled = false;
    }
  });
  return h("span", {}, button, " ", message);
}

/** A run's Datadog export in a few words: its state, its records, the last error. */
function exportSummary(exported) {
  const sum = (field) => exported.experiments.reduce((n, e) => n + e[field], 0);
  const records = `${sum("exported")} records exported, ${sum("pending")} pending, ${sum("failed")} failed`;
  return `${exported.state}: ${records}${exported.last_error ? ` (last error: ${exported.last_error})` : ""}`;
}

/** The first run's result recomputed over its retries (each record once, latest attempt). */
function combinedSection(combined) {
  if (!combined) return null;
  const table = summaryTable(combined.experiments);
  table.querySelector("table").id = "combined-table";
  return h(
    "section",
    { id: "combined-result", "aria-labelledby": "combined-title" },
    h("h3", { id: "combined-title", text: "Combined with retries" }),
    h("p", { class: "hint", text: "Every record counted once, its latest attempt winning." }),
    table,
  );
}

export function isFinal(status) {
  return ["succeeded", "partial", "failed", "cancelled"].includes(status);
}

function throughput(done, elapsed) {
  return elapsed ? (done / elapsed).toFixed(2) : "0.00";
}

/** One progress row: {node, update(progress, elapsed, status, error, waiting)}. */
function progressLine(label, id, href) {
  const bar = h("progress", { max: "1", value: "0", "aria-label": `${label} progress` });
  const percent = h("span", { class: "pct" });
  const badge = h("span");
  // Progress counts answers, one per record and trial: "records" would be wrong for a
  // run with trials.
  const counts = h("span", { class: "counts", title: "one answer per record and trial" });
  const failed = h("span");
  const rate = h("span");
  const retries = h("span");
  const limited = h("span");
  const error = h("span", { class: "field-error" });
  // "waiting for the daily quota until …" while the model's requests per day are used up.
  const waiting = h("span", { class: "waiting", role: "status" });
  const title = href ? h("div", {}, h("a", { href, text: label }), " ", badge) : h("strong", { text: label });
  const node = h(
    "div",
    { class: "exp-progress", id },
    title,
    bar,
    percent,
    h("div", { class: "stats" }, counts, failed, rate, retries, limited, error, waiting),
  );
  const update = (progress, elapsed, status, errorText, waitingText) => {
    bar.max = Math.max(1, progress.total);
    bar.value = progress.done;
    percent.textContent = `${progress.percent} %`;
    if (status) {
      badge.className = `badge s-${status}`;
      badge.textContent = status;
    }
    counts.textContent = `${progress.done} / ${progress.total} ${href ? "done" : "answers (record × trial)"}`;
    failed.textContent = `${progress.failed} failed`;
    rate.textContent = `${throughput(progress.done, elapsed)} answers/s`;
    retries.textContent = `${progress.retries} retries`;
    limited.textContent = `${progress.rate_limited} × 429`;
    error.textContent = errorText ?? "";
    waiting.textContent = waitingText ?? "";
  };
  return { node, update };
}

/** A summary metric; with trials, its mean ± standard error across trials. */
function metric(e, name, value) {
  const across = e.trials?.metrics?.[name];
  if (!across) return pct(value);
  return [pct(across.mean), h("span", { class: "hint", text: ` ± ${(across.standard_error * 100).toFixed(1)}` })];
}

/**
 * Experiments run with trials: how often a record's trials gave the same answer, and
 * the records that moved most (each opens its drill-down with every trial).
 */
function trialsSection(summaries) {
  const withTrials = summaries.filter((e) => e.trials);
  if (withTrials.length === 0) return null;
  return h(
    "section",
    { id: "trials", "aria-labelledby": "trials-title" },
    h("h3", { id: "trials-title", text: "Trials" }),
    h("p", { class: "hint", text: "Every record was run several times. Agreement is the share of records whose trials all gave the same answer; metrics above show mean ± standard error across trials." }),
    withTrials.map((e) => {
      const t = e.trials;
      const rows = t.least_stable.map((r) =>
        h(
          "tr",
          { dataset: { record: r.record_id } },
          h("td", {}, h("a", { href: `#/experiments/${e.experiment_id}/records/${encodeURIComponent(r.record_id)}`, text: r.record_id })),
          h("td", { class: "num", text: String(r.distinct_answers) }),
          h("td", { class: "num", text: pct(r.modal_share) }),
          h("td", { class: "num", text: r.overall_accuracy.map((a) => pct(a)).join(" · ") }),
        ));
      return h(
        "div",
        { class: "card", dataset: { experiment: e.experiment_id } },
        h("p", {}, h("b", { text: e.experiment_name }), `: ${t.trials} trials, agreement ${pct(t.agreement_rate)} of ${num(t.records_compared)} records`),
        rows.length
          ? h(
            "div",
            { class: "table-wrap" },
            h(
              "table",
              { class: "least-stable" },
              h("caption", { text: "Least stable records" }),
              h("thead", {}, h("tr", {}, ["Record", "Answers", "Most common", "Accuracy per trial"].map((name, i) => h("th", { scope: "col", class: i ? "num" : null, text: name })))),
              h("tbody", {}, rows),
            ),
          )
          : h("p", { class: "empty", text: "Every record gave the same answer in every trial." }),
      );
    }),
  );
}

/** The experiments of a result: the old service's metrics, then latency, tokens, cost. */
export function summaryTable(summaries) {
  const columns = [
    ["Experiment", (e) => [
      h("a", { href: `#/experiments/${e.experiment_id}`, text: e.experiment_name }),
      h("span", { class: "hint" }, `${e.model} · t${e.temperature.toFixed(1)} `, e.emulated ? emulatedBadge() : null),
    ], "experiment"],
    ["Status", (e) => statusBadge(e.status), null],
    ["Overall accuracy", (e) => metric(e, "overall_accuracy", e.overall_accuracy), true],
    ["Success rate", (e) => [metric(e, "success_rate", e.success_rate), h("span", { class: "hint", text: `${e.successful_records} / ${e.total_records} ${e.trials ? "record × trial results" : "records"}` })], true],
    ["Ballot accuracy", (e) => metric(e, "avg_ballot_accuracy", e.avg_ballot_accuracy), true],
    ["Vote results", (e) => pct(e.avg_vote_results_quality), true],
    ["Exact form", (e) => pct(e.exact_form_match_rate), true],
    ["Latency p50 / p95", (e) => `${ms(e.latency_ms?.p50)} / ${ms(e.latency_ms?.p95)}`, true],
    ["Tokens in / out / thinking", (e) => `${num(e.tokens.prompt)} / ${num(e.tokens.output)} / ${num(e.tokens.thinking)}`, true],
    // Gemini's implicit cache: the share of input tokens billed at the cached rate.
    ["Cached input", (e) => pct(e.cache_hit_share), true],
    ["Cost", (e) => usd(e.cost_usd), true],
    ["Retries", (e) => num(e.retries), true],
    ["Results", (e) => downloads(e.experiment_id), "name"],
  ];
  return h(
    "div",
    { class: "table-wrap" },
    h(
      "table",
      { id: "results-table" },
      h("caption", { class: "sr-only", text: "Experiments of this run" }),
      h("thead", {}, h("tr", {}, columns.map(([name, , kind]) => h("th", { scope: "col", class: kind === true ? "num" : null, text: name })))),
      h("tbody", {}, summaries.map((e) => h("tr", { dataset: { experiment: e.experiment_id } }, columns.map(([, cell, kind]) => h("td", { class: kind === true ? "num" : kind || null }, cell(e)))))),
    ),
  );
}

/** CSV and JSON-lines downloads of one experiment's per-record results. */
export function downloads(experimentId) {
  const get = (format) => async (event) => {
    const button = event.currentTarget;
    button.disabled = true;
    try {
      const response = await api(`/api/v1/experiments/experiments/${experimentId}/results?format=${format}`, { raw: true });
      saveBlob(await response.blob(), `${experimentId}.${format}`);
    } finally {
      button.disabled = false;
    }
  };
  return h(
    "span",
    { class: "actions" },
    h("button", { type: "button", class: "download-csv", text: "CSV", "aria-label": `Download ${experimentId} as CSV`, onclick: get("csv") }),
    h("button", { type: "button", class: "download-jsonl", text: "JSONL", "aria-label": `Download ${experimentId} as JSON lines`, onclick: get("jsonl") }),
  );
}

function accuracyChart(summaries) {
  return barChart({
    title: "Accuracy and success by experiment",
    categories: summaries.map((e) => e.experiment_name),
    series: [
      { name: "overall accuracy", values: summaries.map((e) => e.overall_accuracy) },
      { name: "success rate", values: summaries.map((e) => e.success_rate) },
    ],
    max: 1,
    format: (v) => pct(v, 0),
  });
}

function costChart(summaries) {
  return scatterChart({
    title: "Accuracy vs cost",
    points: summaries.map((e) => ({ label: e.experiment_name, x: e.cost_usd, y: e.overall_accuracy })),
    xLabel: "cost of the run (USD)",
    yLabel: "overall accuracy",
    xFormat: usd,
    yFormat: (v) => pct(v, 0),
    emptyText: "no model of this run has a price",
  });
}
