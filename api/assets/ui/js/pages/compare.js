// Comparison of two or more experiments, of one run or across runs: a picker over
// recent runs' experiments (or ids typed in), then side-by-side metrics, each pair's
// paired-bootstrap verdict, and the records where the experiments disagree.

import { api, query } from "../api.js";
import { barChart } from "../charts.js";
import { fill, h } from "../dom.js";
import { emulatedBadge, ms, pct, statusBadge, usd, when } from "../format.js";

const RECENT_RUNS = 15;
const SHOWN_DIFFERENCES = 200;

/** `#/runs/{id}/compare`: the run's experiments, all selected. */
export async function compareRun(ctx, runId) {
  const run = await api(`/api/v1/experiments/runs/${runId}`, { signal: ctx.signal });
  const ids = run.experiments.map((e) => e.experiment_id);
  ctx.params.set("ids", ids.join(","));
  await compareExperiments(ctx);
}

/** `#/compare?ids=a,b,…`. */
export async function compareExperiments({ main, params, signal }) {
  const chosen = (params.get("ids") ?? "").split(",").map((id) => id.trim()).filter(Boolean);
  const picker = h("section", { class: "card", "aria-labelledby": "pick-title" });
  const outcome = h("section", { "aria-live": "polite" });
  fill(main, h("h1", { text: "Compare experiments" }), picker, outcome);
  const runs = await recentRuns(signal);
  if (signal.aborted) return;
  renderPicker(picker, runs, chosen);
  if (chosen.length < 2) {
    fill(outcome, h("p", { class: "empty", text: "Pick two or more experiments to compare them." }));
    return;
  }
  try {
    const comparison = await api(`/api/v1/experiments/compare${query({ ids: chosen.join(",") })}`, { signal });
    if (signal.aborted) return;
    renderComparison(outcome, comparison);
  } catch (error) {
    if (signal.aborted) return;
    fill(outcome, h("div", { class: "banner error", role: "alert", text: error.message }));
  }
}

async function recentRuns(signal) {
  const list = await api(`/api/v1/experiments/runs${query({ limit: RECENT_RUNS })}`, { signal });
  return Promise.all(list.runs.map((run) => api(`/api/v1/experiments/runs/${run.run_id}`, { signal })));
}

function renderPicker(picker, runs, chosen) {
  const boxes = [];
  const groups = runs.map((run) =>
    h(
      "fieldset",
      { class: "model-row" },
      h("legend", {}, `${when(run.created_at)} · ${run.dataset.name} · `, h("a", { href: `#/runs/${run.run_id}`, text: run.run_id })),
      h(
        "div",
        { class: "pick-list" },
        run.experiments.map((e) => {
          const box = h("input", { type: "checkbox", value: e.experiment_id, checked: chosen.includes(e.experiment_id) });
          boxes.push(box);
          return h("label", {}, box, h("span", { text: e.experiment_name }), statusBadge(e.status));
        }),
      ),
    ),
  );
  const known = new Set(runs.flatMap((run) => run.experiments.map((e) => e.experiment_id)));
  const typed = h("input", { type: "text", id: "compare-ids", spellcheck: "false", placeholder: "exp_…, exp_…" });
  typed.value = chosen.filter((id) => !known.has(id)).join(", ");
  const error = h("p", { class: "field-error", id: "compare-ids-error", role: "alert" });
  typed.setAttribute("aria-describedby", error.id);
  const go = h("button", {
    type: "submit",
    class: "primary",
    id: "compare-go",
    text: "Compare",
  });
  fill(
    picker,
    h(
      "form",
      {
        onsubmit: (event) => {
          event.preventDefault();
          const ids = [
            ...boxes.filter((b) => b.checked).map((b) => b.value),
            ...typed.value.split(/[\s,]+/).filter(Boolean),
          ];
          const unique = [...new Set(ids)];
          if (unique.length < 2) {
            error.textContent = "Pick at least two experiments.";
            return;
          }
          location.hash = `#/compare?ids=${unique.join(",")}`;
        },
      },
      h("h2", { id: "pick-title", text: "Experiments" }),
      runs.length === 0 ? h("p", { class: "empty", text: "No run yet." }) : groups,
      h("div", { class: "field" }, h("label", { for: typed.id, text: "More experiment ids (from older runs)" }), typed, error),
      h("div", { class: "submit-line" }, go),
    ),
  );
}

const METRICS = [
  ["Overall accuracy", (s) => s?.overall_accuracy, pct, "high"],
  ["Success rate", (s) => s?.success_rate, pct, "high"],
  ["Ballot accuracy", (s) => s?.avg_ballot_accuracy, pct, "high"],
  ["Vote results quality", (s) => s?.avg_vote_results_quality, pct, "high"],
  ["Exact form match", (s) => s?.exact_form_match_rate, pct, "high"],
  ["Latency p50", (s) => s?.latency_ms?.p50, ms, "low"],
  ["Latency p95", (s) => s?.latency_ms?.p95, ms, "low"],
  ["Cost", (s) => s?.cost_usd, usd, "low"],
  ["Retries", (s) => s?.retries, (v) => (v === undefined || v === null ? "—" : String(v)), "low"],
];

function renderComparison(outcome, comparison) {
  const experiments = comparison.experiments;
  const names = new Map(experiments.map((e) => [e.experiment_id, e.experiment_name]));
  const metricRows = METRICS.map(([label, get, format, better]) => {
    const values = experiments.map((e) => get(e.summary));
    const present = values.filter((v) => v !== null && v !== undefined);
    const best = present.length > 1 ? (better === "high" ? Math.max(...present) : Math.min(...present)) : null;
    const worst = present.length > 1 ? (better === "high" ? Math.min(...present) : Math.max(...present)) : null;
    // Only the best value is marked, and only where the values differ at all; whether
    // a difference is real is the bootstrap's verdict below, not the colour's.
    return h(
      "tr",
      {},
      h("th", { scope: "row", text: label }),
      values.map((v) =>
        h("td", { class: best !== worst && v === best ? "num better" : "num", text: format(v) }),
      ),
    );
  });
  fill(
    outcome,
    h("h2", { text: "Side by side" }),
    h(
      "div",
      { class: "table-wrap" },
      h(
        "table",
        { id: "compare-table" },
        h(
          "thead",
          {},
          h(
            "tr",
            {},
            h("th", { scope: "col", text: "Metric" }),
            experiments.map((e) =>
              h(
                "th",
                { scope: "col", class: "num" },
                h("a", { href: `#/experiments/${e.experiment_id}`, text: e.experiment_name }),
                " ",
                e.summary?.emulated ? emulatedBadge() : null,
                h("span", { class: "hint", text: `${e.model} · t${e.temperature.toFixed(1)}` }),
                h("a", { class: "hint", href: `#/runs/${e.run_id}`, text: e.run_id }),
              ),
            ),
          ),
        ),
        h("tbody", {}, h("tr", {}, h("th", { scope: "row", text: "Status" }), experiments.map((e) => h("td", { class: "num" }, statusBadge(e.status)))), metricRows),
      ),
    ),
    h("div", { class: "charts" }, barChart({
      title: "Overall accuracy",
      categories: experiments.map((e) => e.experiment_name),
      series: [{ name: "overall accuracy", values: experiments.map((e) => e.summary?.overall_accuracy ?? null) }],
      max: 1,
      format: (v) => pct(v, 0),
    })),
    h("h2", { text: "Is the difference real?" }),
    h("ul", { id: "pairs" }, comparison.pairs.map((p) =>
      h("li", { class: `verdict${p.significant ? " significant" : ""}` }, h("b", { text: `${names.get(p.a)} vs ${names.get(p.b)}: ` }), p.verdict),
    )),
    h("p", { class: "hint", text: comparison.method }),
    h("h2", { id: "disagreements-title", text: `Records where they disagree (${comparison.differences_total} of ${comparison.shared_records} shared)` }),
    // The differences compare one answer per record: with trials, the first one.
    experiments.some((e) => (e.summary?.trials?.trials ?? 1) > 1)
      ? h("p", { class: "hint", id: "differences-trials", text: "Run with trials: each cell shows the record's first trial (trial 0); the verdicts above use the mean of its trials, and the record's page shows every trial." })
      : null,
    differencesTable(experiments, comparison.differences),
  );
}

function differencesTable(experiments, differences) {
  if (differences.length === 0) return h("p", { class: "empty", text: "The experiments agree on every record." });
  const shown = differences.slice(0, SHOWN_DIFFERENCES);
  return h(
    "div",
    { class: "table-wrap" },
    h(
      "table",
      { id: "differences-table", "aria-labelledby": "disagreements-title" },
      h("thead", {}, h("tr", {}, h("th", { scope: "col", text: "Record" }), experiments.map((e) => h("th", { scope: "col", class: "num", text: e.experiment_name })), h("th", { scope: "col", text: "Fields that differ" }))),
      h(
        "tbody",
        {},
        shown.map((d) =>
          h(
            "tr",
            { dataset: { record: d.record_id } },
            h("th", { scope: "row" }, d.record_id),
            d.answers.map((a) =>
              h("td", { class: "num" }, h("a", { href: `#/experiments/${a.experiment_id}/records/${encodeURIComponent(d.record_id)}`, text: a.status === "succeeded" ? pct(a.overall_accuracy) : a.error_kind ?? a.status, "aria-label": `${d.record_id} in ${a.experiment_id}` })),
            ),
            h("td", {}, h("code", { text: d.differing_fields.slice(0, 6).join(", ") + (d.differing_fields.length > 6 ? ` … +${d.differing_fields.length - 6}` : "") })),
          ),
        ),
      ),
    ),
    differences.length > shown.length ? h("p", { class: "hint", text: `First ${shown.length} of ${differences.length} listed.` }) : null,
  );
}
