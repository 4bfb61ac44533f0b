// Label sets: every set with its progress, and a new set made from an archive of page
// images (a folder per record, or `unit_1.png, unit_2.png` grouped by name), uploaded
// with its progress.

import { api } from "../api.js";
import { allows } from "../auth.js";
import { archiveUploadForm } from "../archive_upload.js";
import { fill, h } from "../dom.js";
import { statusBadge, when } from "../format.js";
import { doneCount, setPath } from "./labelset.js";

export async function labelsetsPage({ main, signal }) {
  const tableArea = h("div", { id: "labelsets-list" });
  const refresh = async () => {
    const list = await api("/api/v1/labelsets", { signal });
    if (!signal.aborted) fill(tableArea, labelsetsTable(list.labelsets));
  };
  fill(
    main,
    h("h1", { text: "Label sets" }),
    h("p", { class: "hint", text: "Scanned pages labelled by people, record by record, then published as a dataset version." }),
    tableArea,
    allows("runner")
      ? [
          h("h2", { id: "labelset-upload-title", text: "New label set" }),
          archiveUploadForm({
            prefix: "labelset-upload",
            labelledBy: "labelset-upload-title",
            intro: "The archive holds page images: a folder per record (its pages in name order), or files such as unit_1.png, unit_2.png grouped by the name before the page number.",
            nameLabel: "Label set name",
            nameHint: "Letters, digits, '-', '.' and '_'.",
            submitText: "Create",
            path: (name) => `/api/v1/labelsets?name=${encodeURIComponent(name)}`,
            // The answer is the new set's view: its records listed.
            describe: ({ body }) => ["Label set ", h("a", { href: setPath(body.name), text: body.name }), ` created with ${body.records.length} records.`],
            done: refresh,
          }),
        ]
      : null,
  );
  await refresh();
}

function labelsetsTable(sets) {
  if (sets.length === 0) return h("p", { class: "empty", text: "No label set yet." });
  return h(
    "div",
    { class: "table-wrap" },
    h(
      "table",
      { id: "labelsets-table" },
      h("thead", {}, h("tr", {}, ["Label set", "Records", "Progress", "Accepted", "Skipped", "Flagged", "In progress", "Pre-fill", "Created"].map((t) => h("th", { scope: "col", text: t })))),
      h(
        "tbody",
        {},
        sets.map((s) =>
          h(
            "tr",
            { dataset: { name: s.name } },
            h("td", {}, h("a", { href: setPath(s.name), text: s.name })),
            h("td", { class: "num", text: String(s.records) }),
            h("td", { class: "bar" }, h("progress", { max: String(Math.max(1, s.records)), value: String(doneCount(s)), "aria-label": `${s.name}: ${doneCount(s)} of ${s.records} records decided` })),
            h("td", { class: "num", text: String(s.accepted) }),
            h("td", { class: "num", text: String(s.skipped) }),
            h("td", { class: "num", text: String(s.flagged) }),
            h("td", { class: "num", text: String(s.in_progress) }),
            h("td", {}, s.prefill ? statusBadge(s.prefill.state) : "—"),
            h("td", {}, when(s.created_at), s.created_by ? h("span", { class: "hint", text: ` by ${s.created_by}` }) : null),
          ),
        ),
      ),
    ),
  );
}
