// Datasets: every dataset with its latest version, and the upload of a new version —
// a .tar.gz or .zip holding a dataset folder's files at its root — with its progress
// and, when refused, every problem by archive entry and line.

import { api } from "../api.js";
import { archiveUploadForm } from "../archive_upload.js";
import { fill, h } from "../dom.js";
import { when } from "../format.js";

export async function datasetsPage({ main, signal }) {
  const tableArea = h("div", { id: "datasets-list" });
  const refresh = async () => {
    const list = await api("/api/v1/datasets", { signal });
    if (!signal.aborted) fill(tableArea, datasetsTable(list.datasets));
  };
  fill(
    main,
    h("h1", { text: "Datasets" }),
    tableArea,
    h("h2", { id: "upload-title", text: "Upload a version" }),
    uploadForm(refresh),
  );
  await refresh();
}

function datasetsTable(datasets) {
  if (datasets.length === 0) return h("p", { class: "empty", text: "No dataset yet: upload one below." });
  return h(
    "div",
    { class: "table-wrap" },
    h(
      "table",
      { id: "datasets-table" },
      h("thead", {}, h("tr", {}, ["Dataset", "Latest version", "Versions", "Records", "Content hash", "Created"].map((t) => h("th", { scope: "col", text: t })))),
      h(
        "tbody",
        {},
        datasets.map((d) =>
          h(
            "tr",
            { dataset: { name: d.name } },
            h("td", { text: d.name }),
            h("td", { text: `v${d.latest_version}` }),
            h("td", { text: String(d.versions) }),
            h("td", { text: String(d.size) }),
            h("td", {}, h("code", { title: d.content_hash, text: d.content_hash.slice(0, 19) })),
            h("td", { text: when(d.created_at) }),
          ),
        ),
      ),
    ),
  );
}

function uploadForm(refresh) {
  return archiveUploadForm({
    prefix: "upload",
    labelledBy: "upload-title",
    intro: "The archive holds a dataset folder's files at its root: records.jsonl and the page images it names. Identical content is the existing version.",
    nameLabel: "Dataset name",
    nameHint: "Letters, digits, '-', '.' and '_'.",
    submitText: "Upload",
    path: (name) => `/api/v1/datasets?name=${encodeURIComponent(name)}`,
    describe: ({ status, body: v }) => {
      const what = status === 201 ? "New version" : "Identical content: existing version";
      return `${what} ${v.name} v${v.version} (${v.size} records, ${v.content_hash})`;
    },
    done: refresh,
  });
}
