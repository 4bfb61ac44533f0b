// The labelling workbench: one record of a label set. Its pages (zoomable) beside the
// editable reports, pre-filled with the labeller's own label, else the model's draft;
// the API checks the values ~200 ms after each keystroke and the page shows every
// failing rule at its fields, with the Thai words of each number. Accept, skip or
// flag saves the label and takes the next record; accepting values that fail a rule
// needs an explicit override with a reason (the API's 422 `rule_override_required`
// opens the box). Every action has a shortcut, listed on the page (SHORTCUTS).

import { ApiError, api } from "../api.js";
import { allows, callerName, roleName } from "../auth.js";
import { detailsAsCheck, showCheck } from "../check_marks.js";
import { field, fill, h, setFieldError } from "../dom.js";
import { statusBadge, when } from "../format.js";
import { pageViewer } from "../page_viewer.js";
import { draftChanges, emptyReport, reportForm } from "../report_form.js";
import { recordPath, setPath } from "./labelset.js";

const CHECK_DELAY_MS = 200;
const LEASE_TICK_MS = 15_000;

const SHORTCUTS = [
  ["Alt+A", "accept"],
  ["Alt+S", "skip"],
  ["Alt+F", "flag"],
  ["Alt+N", "next record to label"],
  ["Alt+P", "previous record of the set"],
  ["J / K", "next / previous record of the set (outside a field)"],
  ["+ / − / 0", "zoom the pages in / out / to fit (outside a field)"],
  ["Tab or Enter", "next field (Shift: previous)"],
];

const PAST = { accept: "Accepted", skip: "Skipped", flag: "Flagged" };

function inField(target) {
  return target instanceof HTMLInputElement || target instanceof HTMLTextAreaElement || target instanceof HTMLSelectElement || target?.isContentEditable;
}

export async function workbenchPage({ main, params, signal }, setName, recordId) {
  const base = `/api/v1/labelsets/${encodeURIComponent(setName)}`;
  const recordBase = `${base}/records/${encodeURIComponent(recordId)}`;
  const [record, set] = await Promise.all([api(recordBase, { signal }), api(base, { signal })]);
  if (signal.aborted) return;
  const second = params?.get("second") === "1";
  const me = callerName();
  const mine = record.labels.find((l) => l.labeller === me);
  const draft = record.draft;
  const canLabel = allows("runner");

  const ids = set.records.map((r) => r.id);
  const at = ids.indexOf(recordId);
  const state = set.records[at]?.state;
  const go = (id) => {
    if (id) location.hash = recordPath(setName, id, second);
  };
  const previous = () => go(ids[at - 1]);
  const following = () => go(ids[at + 1]);

  const summary = h("section", { id: "check-summary", "aria-live": "polite", "aria-label": "Consistency rules" });
  const draftNote = h("p", { id: "draft-changed", class: "hint" });
  const outcome = h("div", { id: "decision-outcome", role: "status" });
  let checkTimer = null;
  let checkSeq = 0;
  let failing = 0;

  const markDraftChanges = () => {
    if (!draft) {
      draftNote.textContent = "No draft for this record: every value is typed from the pages.";
      return;
    }
    const { count, paths } = draftChanges(form.reports(), draft);
    for (const control of form.controls()) control.classList.toggle("changed", paths.has(control.dataset.field));
    draftNote.textContent = count
      ? `Draft changed: ${count} value${count === 1 ? " differs" : "s differ"} from the model's draft (marked with a blue edge).`
      : "Same as the model's draft.";
    draftNote.classList.toggle("changed", count > 0);
  };

  const drawCheck = (check) => {
    failing = showCheck(form, summary, check);
    if (failing === 0) override.hidden = true;
  };

  const runCheck = async () => {
    const seq = ++checkSeq;
    try {
      const check = await api(`${recordBase}/check`, { method: "POST", body: { reports: form.reports() }, signal });
      if (seq === checkSeq) drawCheck(check);
    } catch (error) {
      if (signal.aborted || seq !== checkSeq) return;
      if (error instanceof ApiError && error.details.length) drawCheck(detailsAsCheck(error.details));
      else fill(summary, h("div", { class: "banner error", role: "alert", text: `The values could not be checked: ${error.message}` }));
    }
  };

  const form = reportForm(mine?.reports ?? draft ?? [emptyReport()], {
    onChange: () => {
      clearTimeout(checkTimer);
      checkTimer = setTimeout(runCheck, CHECK_DELAY_MS);
      markDraftChanges();
    },
  });
  signal.addEventListener("abort", () => clearTimeout(checkTimer), { once: true });

  // The override: hidden until accepting is refused for failing rules.
  const reason = h("textarea", { id: "override-reason", name: "override_reason", rows: 2, oninput: () => setFieldError(reason, null) });
  const override = h(
    "fieldset",
    { id: "override", class: "override", hidden: true },
    h("legend", { text: "Accept despite failing rules" }),
    field("Override reason", reason, { hint: "The values fail a rule: fix them, or say why they are right (the form itself is wrong, say)." }),
    h("div", { class: "actions" }, h("button", { type: "button", id: "override-accept", class: "primary", text: "Accept with this reason", onclick: () => decide("accept", true) })),
  );
  const note = h("input", { type: "text", id: "label-note", name: "note", autocomplete: "off" });

  let busy = false;
  const buttons = [];
  const decision = (kind, text, shortcut, className) => {
    const button = h("button", { type: "button", id: `decision-${kind}`, class: className, "aria-keyshortcuts": shortcut, onclick: () => decide(kind, false) }, text, " ", h("kbd", { text: shortcut }));
    buttons.push(button);
    return button;
  };

  async function next() {
    const response = await api(`${base}/next${second ? "?second=true" : ""}`, { method: "POST", raw: true, signal });
    if (response.status === 204) {
      fill(outcome, h("div", { class: "banner info" }, "Nothing left to label in this set. ", h("a", { href: setPath(setName), text: "Back to the label set" })));
      return;
    }
    const body = await response.json();
    if (body.record_id === recordId) fill(outcome, h("div", { class: "banner info", text: "This is the next record to label." }));
    else go(body.record_id);
  }

  async function decide(kind, withReason) {
    if (busy || !canLabel) return;
    const body = { decision: kind, reports: form.reports() };
    if (note.value.trim()) body.note = note.value.trim();
    if (kind === "accept" && !override.hidden) {
      setFieldError(reason, null);
      if (withReason && !reason.value.trim()) {
        setFieldError(reason, "Say why these values are right although a rule fails.");
        reason.focus();
        return;
      }
      if (reason.value.trim()) body.override_reason = reason.value.trim();
    }
    busy = true;
    for (const b of buttons) b.disabled = true;
    fill(outcome);
    try {
      await api(`${recordBase}/label`, { method: "POST", body, signal });
      fill(outcome, h("div", { class: "banner info", text: `${PAST[kind]}. Taking the next record…` }));
    } catch (error) {
      if (signal.aborted) return;
      if (error instanceof ApiError && error.code === "rule_override_required") {
        override.hidden = false;
        fill(outcome, h("div", { class: "banner error", role: "alert", text: `Not accepted: ${failing || "a"} rule${failing === 1 ? "" : "s"} fail${failing === 1 ? "s" : ""}. Fix the values, or give an override reason.` }));
        reason.focus();
      } else {
        if (error instanceof ApiError && error.details.length) drawCheck(detailsAsCheck(error.details));
        fill(outcome, h("div", { class: "banner error", role: "alert", text: `Not saved: ${error.message}` }));
      }
      release();
      return;
    }
    // Saved: a failure to take the next record says so, not that the label was lost.
    // The buttons stay disabled until then, so one key press labels once.
    await next().catch((error) => {
      if (!signal.aborted) fill(outcome, h("div", { class: "banner error", role: "alert", text: `${PAST[kind]}, but the next record could not be taken: ${error.message}` }));
    });
    release();
  }

  function release() {
    busy = false;
    for (const b of buttons) b.disabled = false;
  }

  const lease = h("span", { id: "lease" });
  const showLease = () => {
    const held = record.lease;
    if (!held) {
      lease.textContent = "Not leased: Alt+N takes the next record to label.";
      return;
    }
    const minutes = Math.round((new Date(held.expires_at) - Date.now()) / 60_000);
    const whose = held.labeller === me ? "Leased to you" : `Leased to ${held.labeller}`;
    const until = when(held.expires_at);
    lease.textContent = minutes > 0 ? `${whose} until ${until} (${minutes} min left)` : `${whose}: the lease ran out at ${until}`;
    lease.classList.toggle("expiring", minutes <= 2);
  };
  showLease();
  const tick = setInterval(showLease, LEASE_TICK_MS);
  signal.addEventListener("abort", () => clearInterval(tick), { once: true });

  const viewer = pageViewer(record.page_urls, { signal, name: recordId });
  const nav = (id, text, shortcut) => (id ? h("a", { class: "linkish", href: recordPath(setName, id, second), "aria-keyshortcuts": shortcut, text }) : null);

  fill(
    main,
    h("div", { class: "headline" }, h("h1", { text: `Record ${recordId}` }), state ? statusBadge(state) : null),
    h(
      "div",
      { class: "kv" },
      h("span", {}, "Label set ", h("a", { href: setPath(setName), text: setName })),
      h("span", {}, `${at + 1} of ${ids.length}`),
      lease,
      record.draft_run_id ? h("span", {}, "Draft by run ", h("a", { href: `#/runs/${record.draft_run_id}`, text: record.draft_run_id })) : h("span", { text: "No draft" }),
      mine ? h("span", {}, "Your label: ", h("b", { text: `${mine.decision} (${when(mine.at)})` })) : null,
      second ? h("span", { class: "badge paused", text: "second opinion" }) : null,
    ),
    h(
      "nav",
      { class: "pager", "aria-label": "Other records" },
      nav(ids[at - 1], "← Previous (K)", "K"),
      nav(ids[at + 1], "Next (J) →", "J"),
      canLabel ? h("button", { type: "button", id: "next-to-label", "aria-keyshortcuts": "Alt+N", onclick: () => next().catch((e) => fill(outcome, h("div", { class: "banner error", role: "alert", text: e.message }))) }, "Next to label ", h("kbd", { text: "Alt+N" })) : null,
    ),
    h(
      "div",
      { class: "workbench" },
      viewer.element,
      h(
        "div",
        { class: "workbench-form" },
        summary,
        draftNote,
        h("div", { class: "form-scroll" }, h("form", { id: "label-form", "aria-label": "Values of the record", novalidate: true, onsubmit: (e) => e.preventDefault() }, form.element)),
        canLabel
          ? h(
              "section",
              { class: "card decision", "aria-label": "Decision" },
              field("Note (optional: why you skip or flag)", note),
              override,
              outcome,
              h("div", { class: "actions" }, decision("accept", "Accept", "Alt+A", "primary"), decision("skip", "Skip", "Alt+S"), decision("flag", "Flag", "Alt+F", "danger")),
            )
          : h("p", { class: "hint", id: "no-label", text: `Your key's role (${roleName()}) may look at records but not label them.` }),
      ),
    ),
    labelsList(record.labels),
    h(
      "details",
      { class: "shortcuts", id: "shortcuts" },
      h("summary", { text: "Keyboard shortcuts" }),
      h("dl", {}, SHORTCUTS.map(([keys, what]) => [h("dt", {}, h("kbd", { text: keys })), h("dd", { text: what })])),
    ),
  );
  drawCheck(record.check);
  markDraftChanges();
  goToField(form, params?.get("field"));

  document.addEventListener("keydown", (event) => {
    if (event.altKey && !event.ctrlKey && !event.metaKey) {
      const act = { KeyA: () => decide("accept", false), KeyS: () => decide("skip", false), KeyF: () => decide("flag", false), KeyN: () => canLabel && next(), KeyP: previous }[event.code];
      if (act) {
        event.preventDefault();
        act();
      }
      return;
    }
    if (event.ctrlKey || event.metaKey || inField(event.target)) return;
    const act = { j: following, k: previous, "+": viewer.zoomIn, "=": viewer.zoomIn, "-": viewer.zoomOut, "0": viewer.reset }[event.key];
    if (act) {
      event.preventDefault();
      act();
    }
  }, { signal });
}

/**
 * Focuses the control at `path` (a disagreement's field, from the set's page): the
 * control itself, or the first control under the path (a row, a form, the list).
 */
function goToField(form, path) {
  if (!path) return;
  const control = form.controls().find((c) => c.dataset.field === path) ?? form.controls().find((c) => c.dataset.field.startsWith(`${path}.`) || c.dataset.field.startsWith(`${path}[`));
  if (!control) return;
  control.scrollIntoView({ block: "center" });
  control.focus();
}

/** The labels the record has, every labeller's. */
function labelsList(labels) {
  return h(
    "section",
    { "aria-labelledby": "labels-title" },
    h("h2", { id: "labels-title", text: "Labels of this record" }),
    labels.length === 0
      ? h("p", { class: "empty", text: "Nobody has labelled this record yet." })
      : h(
          "div",
          { class: "table-wrap" },
          h(
            "table",
            { id: "labels-table" },
            h("thead", {}, h("tr", {}, ["Labeller", "Decision", "When", "From the draft", "Override reason", "Note"].map((t) => h("th", { scope: "col", text: t })))),
            h(
              "tbody",
              {},
              labels.map((l) =>
                h(
                  "tr",
                  {},
                  h("td", { text: l.labeller }),
                  h("td", {}, statusBadge(l.decision)),
                  h("td", { text: when(l.at) }),
                  h("td", { text: !l.from_draft ? "no draft" : l.draft_changed ? "draft changed" : "draft kept" }),
                  h("td", { text: l.override_reason ?? "" }),
                  h("td", { text: l.note ?? "" }),
                ),
              ),
            ),
          ),
        ),
  );
}
