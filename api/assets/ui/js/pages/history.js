// Past runs, newest first, filtered by status and schedule (the filters live in the
// address, so a filtered list can be bookmarked or shared).

import { api, query } from "../api.js";
import { fill, h } from "../dom.js";
import { statusBadge, when } from "../format.js";

const PAGE = 25;
const STATUSES = ["queued", "running", "succeeded", "partial", "failed", "cancelled"];

export async function historyPage({ main, params, signal }) {
  const status = params.get("status") ?? "";
  const schedule = params.get("schedule") ?? "";
  const offset = Math.max(0, Number(params.get("offset") ?? 0) || 0);

  const statusSelect = h("select", { id: "filter-status", name: "status" }, h("option", { value: "", text: "any" }), STATUSES.map((s) => h("option", { value: s, text: s })));
  statusSelect.value = status;
  const scheduleInput = h("input", { type: "text", id: "filter-schedule", name: "schedule", list: "schedule-names", placeholder: "any", spellcheck: "false" });
  scheduleInput.value = schedule;
  const scheduleNames = h("datalist", { id: "schedule-names" });
  const apply = (event) => {
    event?.preventDefault();
    location.hash = `#/history${query({ status: statusSelect.value, schedule: scheduleInput.value.trim() })}`;
  };
  const list = h("section", { "aria-live": "polite" });
  fill(
    main,
    h("h1", { text: "History" }),
    h(
      "form",
      { class: "filters card", onsubmit: apply, "aria-label": "Filter runs" },
      h("div", { class: "field" }, h("label", { for: statusSelect.id, text: "Status" }), statusSelect),
      h("div", { class: "field" }, h("label", { for: scheduleInput.id, text: "Schedule" }), scheduleInput, scheduleNames),
      h("button", { type: "submit", text: "Apply" }),
      status || schedule ? h("a", { class: "linkish", href: "#/history", text: "Clear filters" }) : null,
    ),
    list,
  );
  api("/api/v1/schedules", { signal }).then(
    (body) => fill(scheduleNames, (body.schedules ?? []).map((s) => h("option", { value: s.name }))),
    () => {},
  );
  let page;
  try {
    page = await api(`/api/v1/experiments/runs${query({ status, schedule, offset, limit: PAGE })}`, { signal });
  } catch (error) {
    if (!signal.aborted) fill(list, h("div", { class: "banner error", role: "alert", text: error.message }));
    return;
  }
  if (signal.aborted) return;
  if (page.runs.length === 0) {
    fill(list, h("p", { class: "empty", text: "No run matches." }));
    return;
  }
  const link = (to, text) => h("a", { class: "linkish", href: `#/history${query({ status, schedule, offset: to })}`, text });
  fill(
    list,
    h(
      "div",
      { class: "table-wrap" },
      h(
        "table",
        { id: "runs-table" },
        h("caption", { class: "sr-only", text: "Runs, newest first" }),
        h("thead", {}, h("tr", {}, ["Run", "Status", "Dataset", "Experiments", "Done", "Submitted by", "Created", "Finished"].map((t) => h("th", { scope: "col", text: t })))),
        h(
          "tbody",
          {},
          page.runs.map((run) =>
            h(
              "tr",
              { dataset: { run: run.run_id } },
              h("td", {}, h("a", { href: `#/runs/${run.run_id}`, text: run.run_id })),
              h("td", {}, statusBadge(run.status)),
              h("td", { text: `${run.dataset_name} v${run.dataset_version}` }),
              h("td", { class: "num", text: String(run.experiments) }),
              h("td", { class: "num", text: `${run.progress.percent} %` }),
              h("td", {}, run.schedule ? h("a", { href: `#/schedules/${encodeURIComponent(run.schedule)}`, text: `schedule ${run.schedule}` }) : run.api_key_name ?? "—"),
              h("td", { text: when(run.created_at) }),
              h("td", { text: when(run.finished_at) }),
            ),
          ),
        ),
      ),
    ),
    h("nav", { class: "pager", "aria-label": "Pages of runs" }, offset > 0 ? link(Math.max(0, offset - PAGE), "← Newer") : null, page.next_offset !== null ? link(page.next_offset, "Older →") : null),
  );
}
