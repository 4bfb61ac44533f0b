// One label set: its progress overall and per labeller, the start of labelling (the
// next record, or a second opinion on one another labeller decided), the pre-fill of
// drafts by a model, the disagreements between labellers, every record, and — for
// admins — publishing the accepted labels as a dataset version.

import { ApiError, api, sleep } from "../api.js";
import { allows, roleName } from "../auth.js";
import { field, fill, h, setFieldError } from "../dom.js";
import { statusBadge, when } from "../format.js";
import { KNOWN_MODELS } from "../request.js";

const POLL_MS = 3000;
const ACTIVE = new Set(["queued", "running"]);

export function setPath(name) {
  return `#/labelsets/${encodeURIComponent(name)}`;
}

/**
 * The workbench of one record; `second` keeps taking second opinions, `field` (a
 * path as the check names it) is focused when the page opens.
 */
export function recordPath(name, id, second = false, field = null) {
  const query = new URLSearchParams();
  if (second) query.set("second", "1");
  if (field) query.set("field", field);
  const search = query.toString();
  return `${setPath(name)}/records/${encodeURIComponent(id)}${search ? `?${search}` : ""}`;
}

/** Records decided one way or another. */
export function doneCount(counts) {
  return counts.accepted + counts.skipped + counts.flagged;
}

export async function labelsetPage({ main, signal }, name) {
  const base = `/api/v1/labelsets/${encodeURIComponent(name)}`;
  const presets = await api("/api/v1/presets", { signal }).then((b) => b.presets, () => []);
  const overview = h("div", { id: "labelset-overview" });
  const listing = h("div", { id: "labelset-records" });
  const startOutcome = h("div", { id: "label-start-outcome", role: "status" });
  let prefillActive = false;

  const refresh = async () => {
    const set = await api(base, { signal });
    if (signal.aborted) return;
    prefillActive = ACTIVE.has(set.prefill?.state);
    fill(overview, facts(set), progress(set), labellersTable(set), disagreementsList(name, set.disagreements));
    fill(listing, publishedList(set.published), recordsTable(name, set.records));
  };

  const start = async (second) => {
    fill(startOutcome);
    try {
      const response = await api(`${base}/next${second ? "?second=true" : ""}`, { method: "POST", raw: true, signal });
      if (response.status === 204) {
        fill(startOutcome, h("div", { class: "banner info", text: second ? "No record waits for a second opinion from you." : "Nothing left to label in this set." }));
        return;
      }
      const body = await response.json();
      location.hash = recordPath(name, body.record_id, second);
    } catch (error) {
      fill(startOutcome, h("div", { class: "banner error", role: "alert", text: error.message }));
    }
  };

  fill(
    main,
    h("h1", { text: `Label set ${name}` }),
    allows("runner")
      ? h(
          "section",
          { class: "card", "aria-label": "Labelling" },
          h(
            "div",
            { class: "actions" },
            h("button", { type: "button", id: "label-next", class: "primary", text: "Label the next record", onclick: () => start(false) }),
            h("button", { type: "button", id: "second-next", text: "Second opinion on a labelled record", onclick: () => start(true) }),
            h("button", { type: "button", class: "quiet", text: "Refresh", onclick: () => refresh() }),
          ),
          startOutcome,
        )
      : h("p", { class: "hint", text: `Your key's role (${roleName()}) may follow the labelling but not label.` }),
    overview,
    h("div", { class: "forms-grid" }, allows("runner") ? prefillForm(base, presets, refresh) : null, allows("admin") ? publishForm(base, name, refresh) : null),
    listing,
  );
  await refresh();
  // Drafts arrive while the pre-fill run answers: follow it until it is final.
  while (!signal.aborted) {
    await sleep(POLL_MS, signal);
    if (prefillActive) await refresh();
  }
}

function facts(set) {
  return h(
    "div",
    { class: "kv" },
    h("span", {}, "Records ", h("b", { text: String(set.records.length) })),
    h("span", {}, "Created ", h("b", { text: when(set.created_at) }), set.created_by ? ` by ${set.created_by}` : ""),
    set.prefill
      ? h("span", { id: "prefill-state" }, "Pre-fill ", statusBadge(set.prefill.state), " run ", h("a", { href: `#/runs/${set.prefill.run_id}`, text: set.prefill.run_id }))
      : h("span", { id: "prefill-state", text: "No pre-fill: records start empty" }),
  );
}

function bar(label, done, total, id) {
  return h(
    "div",
    { class: "set-progress", id },
    h("span", { class: "name", text: label }),
    h("progress", { max: String(Math.max(1, total)), value: String(done), "aria-label": `${label}: ${done} of ${total}` }),
    h("span", { class: "pct", text: `${done} / ${total}` }),
  );
}

function progress(set) {
  const total = set.records.length;
  const disagreeing = set.disagreements.length;
  return h(
    "section",
    { class: "card", "aria-labelledby": "progress-title" },
    h("h2", { id: "progress-title", text: "Progress" }),
    bar("Decided", doneCount(set), total, "set-progress"),
    h(
      "div",
      { class: "kv" },
      ["accepted", "skipped", "flagged", "in_progress"].map((k) => h("span", {}, `${k.replace("_", " ")} `, h("b", { dataset: { count: k }, text: String(set[k]) }))),
      h("span", {}, "disagreements ", h("b", { dataset: { count: "disagreements" }, text: String(disagreeing) })),
    ),
  );
}

function labellersTable(set) {
  const total = set.records.length;
  return h(
    "section",
    { "aria-labelledby": "labellers-title" },
    h("h2", { id: "labellers-title", text: "Labellers" }),
    set.labellers.length === 0
      ? h("p", { class: "empty", text: "Nobody has labelled yet." })
      : h(
          "div",
          { class: "table-wrap" },
          h(
            "table",
            { id: "labellers-table" },
            h("thead", {}, h("tr", {}, ["Labeller", "Progress", "Accepted", "Skipped", "Flagged"].map((t) => h("th", { scope: "col", text: t })))),
            h(
              "tbody",
              {},
              set.labellers.map((l) =>
                h(
                  "tr",
                  { dataset: { labeller: l.labeller } },
                  h("th", { scope: "row", text: l.labeller }),
                  h("td", { class: "bar" }, h("progress", { max: String(Math.max(1, total)), value: String(doneCount(l)), "aria-label": `${l.labeller}: ${doneCount(l)} of ${total}` })),
                  h("td", { class: "num", text: String(l.accepted) }),
                  h("td", { class: "num", text: String(l.skipped) }),
                  h("td", { class: "num", text: String(l.flagged) }),
                ),
              ),
            ),
          ),
        ),
  );
}

function disagreementsList(name, disagreements) {
  return h(
    "section",
    { "aria-labelledby": "disagreements-title" },
    h("h2", { id: "disagreements-title", text: "Disagreements" }),
    disagreements.length === 0
      ? h("p", { class: "empty", text: "No two labellers disagree." })
      : h(
          "ul",
          { id: "disagreements" },
          disagreements.map((d) =>
            h(
              "li",
              { dataset: { record: d.record_id } },
              h("a", { href: recordPath(name, d.record_id), text: d.record_id }),
              ` — ${d.labellers.join(" vs ")} differ on `,
              d.fields.map((f, i) => [i ? ", " : "", h("a", { href: recordPath(name, d.record_id, false, f), class: "field-link", title: "Go to this field in the workbench" }, h("code", { text: f }))]),
            ),
          ),
        ),
  );
}

function recordsTable(name, records) {
  return h(
    "section",
    { "aria-labelledby": "records-title" },
    h("h2", { id: "records-title", text: "Records" }),
    h(
      "div",
      { class: "table-wrap" },
      h(
        "table",
        { id: "records-table" },
        h("thead", {}, h("tr", {}, ["Record", "Pages", "State", "Labels", "Lease"].map((t) => h("th", { scope: "col", class: t === "Pages" || t === "Labels" ? "num" : null, text: t })))),
        h(
          "tbody",
          {},
          records.map((r) =>
            h(
              "tr",
              { dataset: { record: r.id } },
              h("td", {}, h("a", { href: recordPath(name, r.id), text: r.id })),
              h("td", { class: "num", text: String(r.pages) }),
              h("td", {}, statusBadge(r.state)),
              h("td", { class: "num", text: String(r.labels) }),
              h("td", { text: r.leased_by ? `${r.leased_by} until ${when(r.lease_expires_at)}` : "—" }),
            ),
          ),
        ),
      ),
    ),
  );
}

function publishedList(published) {
  if (!published?.length) return null;
  return h(
    "section",
    { "aria-labelledby": "published-title" },
    h("h2", { id: "published-title", text: "Published" }),
    h("ul", { id: "published" }, published.map((p) => h("li", {}, h("b", { text: `${p.dataset} v${p.version}` }), ` — ${when(p.at)} by ${p.by ?? "—"}`))),
  );
}

/** The model configurations a pre-fill may use: every preset's, then each known model at 0. */
function prefillChoices(presets) {
  const fromPresets = presets.flatMap((p) =>
    p.model_configs.map((config) => ({ text: `${p.title}: ${config.model}, temperature ${config.temperature}`, config })),
  );
  const plain = KNOWN_MODELS.map((model) => ({ text: `${model}, temperature 0`, config: { model, temperature: 0 } }));
  return [...fromPresets, ...plain];
}

function prefillForm(base, presets, refresh) {
  const choices = prefillChoices(presets);
  const select = h("select", { id: "prefill-model", name: "model_config" }, choices.map((c, i) => h("option", { value: String(i), text: c.text })));
  const outcome = h("div", { id: "prefill-outcome", role: "status" });
  const submit = h("button", { type: "submit", class: "primary", id: "prefill-start", text: "Pre-fill drafts" });
  const form = h(
    "form",
    { id: "prefill-form", class: "card", "aria-labelledby": "prefill-title", novalidate: true },
    h("h2", { id: "prefill-title", text: "Pre-fill drafts" }),
    h("p", { class: "hint", text: "A model reads every record once; its answers become the drafts labellers start from." }),
    field("Model configuration", select),
    h("div", { class: "actions" }, submit),
    outcome,
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    submit.disabled = true;
    fill(outcome);
    try {
      const answer = await api(`${base}/prefill`, { method: "POST", body: choices[Number(select.value)].config });
      fill(outcome, h("div", { class: "banner info" }, "Pre-fill started: run ", h("a", { href: `#/runs/${answer.run_id}`, text: answer.run_id }), ". Drafts appear as it answers."));
      await refresh();
    } catch (error) {
      fill(outcome, h("div", { class: "banner error", role: "alert", text: `Pre-fill refused: ${error.message}` }));
    } finally {
      submit.disabled = false;
    }
  });
  return form;
}

function publishForm(base, name, refresh) {
  const dataset = h("input", { type: "text", id: "publish-dataset", name: "dataset", autocomplete: "off", spellcheck: "false", value: name });
  const outcome = h("div", { id: "publish-outcome", role: "status" });
  const submit = h("button", { type: "submit", class: "primary", id: "publish-submit", text: "Publish" });
  const form = h(
    "form",
    { id: "publish-form", class: "card", "aria-labelledby": "publish-title", novalidate: true },
    h("h2", { id: "publish-title", text: "Publish" }),
    h("p", { class: "hint", text: "The accepted labels become a new version of a dataset; records not accepted, or in disagreement, are left out." }),
    field("Dataset name", dataset, { hint: "A new dataset, or a new version of an existing one." }),
    h("div", { class: "actions" }, submit),
    outcome,
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    setFieldError(dataset, dataset.value.trim() ? null : "Name the dataset.");
    if (!dataset.value.trim()) return;
    submit.disabled = true;
    fill(outcome);
    try {
      const v = await api(`${base}/publish`, { method: "POST", body: { dataset: dataset.value.trim() } });
      const leftOut = v.left_out ?? [];
      fill(
        outcome,
        h("div", { class: "banner info", text: `Published ${v.dataset} v${v.version}: ${v.records} records, ${leftOut.length} left out. Run an experiment on it from the New run page.` }),
        leftOut.length
          ? h("details", { id: "publish-left-out" }, h("summary", { text: "Records left out" }), h("ul", {}, leftOut.map((l) => h("li", {}, h("code", { text: l.record_id }), `: ${l.reason}`))))
          : null,
      );
      await refresh();
    } catch (error) {
      if (error instanceof ApiError && error.details.some((d) => d.field === "dataset")) setFieldError(dataset, error.details.find((d) => d.field === "dataset").message);
      fill(outcome, h("div", { class: "banner error", role: "alert", text: `Not published: ${error.message}` }));
    } finally {
      submit.disabled = false;
    }
  });
  return form;
}
