// Schedules: each one's calendar, next fire times and latest runs; one schedule's
// accuracy trend over its runs (from `last_runs`), with pause and resume.

import { api } from "../api.js";
import { allows } from "../auth.js";
import { trendChart } from "../charts.js";
import { fill, h } from "../dom.js";
import { pct, statusBadge, when } from "../format.js";

function pausedBadge(schedule) {
  return schedule.paused ? h("span", { class: "badge paused", text: "paused" }) : h("span", { class: "badge s-running", text: "active" });
}

function pauseButton(schedule, after) {
  if (!allows("admin")) return null;
  const action = schedule.paused ? "resume" : "pause";
  return h("button", {
    type: "button",
    text: schedule.paused ? "Resume" : "Pause",
    "aria-label": `${schedule.paused ? "Resume" : "Pause"} schedule ${schedule.name}`,
    onclick: async (event) => {
      event.currentTarget.disabled = true;
      await api(`/api/v1/schedules/${encodeURIComponent(schedule.name)}/${action}`, { method: "POST" });
      after();
    },
  });
}

function nextFires(schedule, count) {
  const times = (schedule.next_fire_times ?? []).slice(0, count);
  if (schedule.paused || times.length === 0) return h("span", { class: "empty", text: schedule.paused ? "paused" : "none" });
  return h(
    "ul",
    { class: "next-fires" },
    times.map((t) => h("li", {}, h("time", { datetime: t, title: `${when(t)} in your time zone`, text: `${when(t, schedule.time_zone)} ${schedule.time_zone}` }))),
  );
}

export async function schedulesPage({ main, signal }) {
  const body = await api("/api/v1/schedules", { signal });
  if (signal.aborted) return;
  const schedules = body.schedules ?? [];
  const rerender = () => schedulesPage({ main, signal });
  fill(
    main,
    h("h1", { text: "Schedules" }),
    schedules.length === 0
      ? h("p", { class: "empty", text: "No schedule is defined." })
      : h(
          "div",
          { class: "table-wrap" },
          h(
            "table",
            { id: "schedules-table" },
            h("thead", {}, h("tr", {}, ["Schedule", "Calendar", "State", "Next fire times", "Last run", ""].map((t) => h("th", { scope: "col", text: t })))),
            h(
              "tbody",
              {},
              schedules.map((schedule) => {
                const last = (schedule.last_runs ?? [])[0];
                return h(
                  "tr",
                  {},
                  h("td", {}, h("a", { href: `#/schedules/${encodeURIComponent(schedule.name)}`, text: schedule.name })),
                  h("td", {}, h("code", { text: schedule.cron }), ` (${schedule.time_zone})`),
                  h("td", {}, pausedBadge(schedule)),
                  h("td", {}, nextFires(schedule, 3)),
                  h("td", {}, last ? [h("a", { href: `#/runs/${last.run_id}`, text: when(last.created_at) }), " ", statusBadge(last.status)] : h("span", { class: "empty", text: "none yet" })),
                  h("td", {}, pauseButton(schedule, rerender)),
                );
              }),
            ),
          ),
        ),
  );
}

export async function schedulePage({ main, signal }, name) {
  const schedule = await api(`/api/v1/schedules/${encodeURIComponent(name)}`, { signal });
  if (signal.aborted) return;
  const runs = [...(schedule.last_runs ?? [])].sort((a, b) => new Date(a.created_at) - new Date(b.created_at));
  const experimentNames = [...new Set(runs.flatMap((run) => Object.keys(run.experiments ?? {})))];
  const series = experimentNames.map((experiment) => ({
    name: experiment,
    points: runs
      .filter((run) => run.experiments?.[experiment]?.overall_accuracy !== undefined && run.experiments[experiment].overall_accuracy !== null)
      .map((run) => ({ x: new Date(run.created_at), y: run.experiments[experiment].overall_accuracy })),
  }));
  fill(
    main,
    h("div", { class: "headline" }, h("h1", { text: `Schedule ${schedule.name}` }), pausedBadge(schedule), pauseButton(schedule, () => schedulePage({ main, signal }, name))),
    h(
      "div",
      { class: "kv" },
      h("span", {}, "Calendar ", h("code", { text: schedule.cron }), ` in ${schedule.time_zone}`),
      h("span", {}, "Dataset ", h("b", { text: schedule.request?.dataset_name ?? "—" })),
      h("span", {}, h("a", { href: `#/history?schedule=${encodeURIComponent(schedule.name)}`, text: "All its runs" })),
    ),
    h("div", { class: "charts" }, trendChart({ title: "Overall accuracy per run", series, yFormat: (v) => pct(v, 0) }), h("section", { class: "card" }, h("h2", { text: "Next fire times" }), nextFires(schedule, 5))),
    h("h2", { id: "last-runs-title", text: "Latest runs" }),
    runs.length === 0
      ? h("p", { class: "empty", text: "No run yet." })
      : h(
          "div",
          { class: "table-wrap" },
          h(
            "table",
            { "aria-labelledby": "last-runs-title" },
            h("thead", {}, h("tr", {}, h("th", { scope: "col", text: "Run" }), h("th", { scope: "col", text: "Status" }), experimentNames.map((e) => h("th", { scope: "col", class: "num", text: e })))),
            h(
              "tbody",
              {},
              [...runs].reverse().map((run) =>
                h(
                  "tr",
                  {},
                  h("td", {}, h("a", { href: `#/runs/${run.run_id}`, text: when(run.created_at) })),
                  h("td", {}, statusBadge(run.status)),
                  experimentNames.map((e) => {
                    const m = run.experiments?.[e];
                    return h("td", { class: "num", text: m ? `${pct(m.overall_accuracy)} · ${pct(m.success_rate, 0)} ok` : "—" });
                  }),
                ),
              ),
            ),
          ),
        ),
    (schedule.skipped_slots ?? []).length > 0
      ? [
          h("h2", { text: "Skipped fire times" }),
          h("ul", {}, schedule.skipped_slots.map((skip) =>
            h("li", { text: `${skip.count} between ${when(skip.first)} and ${when(skip.last)} (outside the catch-up window)` }))),
        ]
      : null,
    schedule.refusal
      ? [
          h("h2", { text: "Refused for lack of room" }),
          h("p", { class: "banner error", text: `The run of ${when(schedule.refusal.slot)} was refused ${schedule.refusal.attempts} time(s): ${schedule.refusal.reason}. Next attempt ${when(schedule.refusal.next_attempt)}.` }),
        ]
      : null,
    h("h2", { text: "Request" }),
    h("pre", { class: "preview", tabindex: "0", text: JSON.stringify(schedule.request, null, 2) }),
    schedule.alerts ? [h("h2", { text: "Alerts" }), h("pre", { class: "preview", tabindex: "0", text: JSON.stringify(schedule.alerts, null, 2) })] : null,
  );
}
