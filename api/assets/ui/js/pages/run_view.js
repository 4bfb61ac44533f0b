// One run: live progress while it runs (polled every second, with cancel), then the
// results — a table per experiment, charts, downloads and a link to compare.

import { api, resultsOf, sleep } from "../api.js";
import { barChart, distributionChart, scatterChart } from "../charts.js";
import { fill, h, saveBlob, saveJson } from "../dom.js";
import { emulatedBadge, ms, num, pct, seconds, statusBadge, usd, when } from "../format.js";

const POLL_MS = 1000;

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

  let lastStatus = null;
  let run;
  for (;;) {
    run = await api(`/api/v1/experiments/runs/${runId}`, { signal });
    if (signal.aborted) return;
    renderHeader(run);
    renderProgress(run);
    if (run.status !== lastStatus) {
      announcer.textContent = `Run ${run.status}`;
      lastStatus = run.status;
    }
    if (isFinal(run.status)) break;
    await sleep(POLL_MS, signal);
  }
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
    );
    if (run.cancel_requested && !isFinal(run.status)) notice.textContent = "Cancel requested: records in flight finish, no new record starts.";
    else if (!isFinal(run.status)) notice.textContent = "";
  }

  function renderProgress(run) {
    const elapsed = seconds(run.started_at, run.finished_at);
    const overall = run.progress;
    fill(
      progressArea,
      h("div", { class: "headline" }, h("h2", { id: "progress-title", text: "Progress" }), isFinal(run.status) || run.cancel_requested ? null : cancel),
      progressLine("All experiments", overall, elapsed, "overall-progress"),
      h(
        "div",
        { class: "progress-grid" },
        run.experiments.map((e) =>
          h(
            "div",
            { class: "exp-progress", dataset: { experiment: e.experiment_id } },
            h("div", {}, h("a", { href: `#/experiments/${e.experiment_id}`, text: e.experiment_name }), " ", statusBadge(e.status)),
            h("progress", { max: String(Math.max(1, e.progress.total)), value: String(e.progress.done), "aria-label": `${e.experiment_name} progress` }),
            h("span", { class: "pct", text: `${e.progress.percent} %` }),
            h(
              "div",
              { class: "stats" },
              h("span", { text: `${e.progress.done} / ${e.progress.total} done` }),
              h("span", { text: `${e.progress.failed} failed` }),
              h("span", { text: `${throughput(e.progress.done, elapsed)} records/s` }),
              h("span", { text: `${e.progress.retries} retries` }),
              h("span", { text: `${e.progress.rate_limited} × 429` }),
              e.error ? h("span", { class: "field-error", text: e.error }) : null,
            ),
          ),
        ),
      ),
    );
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
      ),
      summaryTable(summaries),
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

export function isFinal(status) {
  return ["succeeded", "partial", "failed", "cancelled"].includes(status);
}

function throughput(done, elapsed) {
  return elapsed ? (done / elapsed).toFixed(2) : "0.00";
}

function progressLine(label, progress, elapsed, id) {
  return h(
    "div",
    { class: "exp-progress", id },
    h("strong", { text: label }),
    h("progress", { max: String(Math.max(1, progress.total)), value: String(progress.done), "aria-label": `${label} progress` }),
    h("span", { class: "pct", text: `${progress.percent} %` }),
    h(
      "div",
      { class: "stats" },
      h("span", { text: `${progress.done} / ${progress.total} records` }),
      h("span", { text: `${progress.failed} failed` }),
      h("span", { text: `${throughput(progress.done, elapsed)} records/s` }),
      h("span", { text: `${progress.retries} retries` }),
      h("span", { text: `${progress.rate_limited} × 429` }),
    ),
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
    ["Overall accuracy", (e) => pct(e.overall_accuracy), true],
    ["Success rate", (e) => [pct(e.success_rate), h("span", { class: "hint", text: `${e.successful_records} / ${e.total_records} records` })], true],
    ["Ballot accuracy", (e) => pct(e.avg_ballot_accuracy), true],
    ["Vote results", (e) => pct(e.avg_vote_results_quality), true],
    ["Exact form", (e) => pct(e.exact_form_match_rate), true],
    ["Latency p50 / p95", (e) => `${ms(e.latency_ms?.p50)} / ${ms(e.latency_ms?.p95)}`, true],
    ["Tokens in / out / thinking", (e) => `${num(e.tokens.prompt)} / ${num(e.tokens.output)} / ${num(e.tokens.thinking)}`, true],
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
