// Datasets: every dataset with its latest version, and the upload of a new version —
// a .tar.gz or .zip holding a dataset folder's files at its root — with its progress
// and, when refused, every problem by archive entry and line.

import { api, upload } from "../api.js";
import { field, fill, h, setFieldError } from "../dom.js";
import { when } from "../format.js";

const FORMATS = [
  [".tar.gz", "application/gzip"],
  [".tgz", "application/gzip"],
  [".zip", "application/zip"],
];

/** The Content-Type and the default dataset name of an archive, from its file name. */
function archiveOf(fileName) {
  const lower = fileName.toLowerCase();
  const format = FORMATS.find(([ending]) => lower.endsWith(ending));
  if (!format) return null;
  return { contentType: format[1], name: fileName.slice(0, fileName.length - format[0].length) };
}

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
  const file = h("input", { type: "file", name: "archive", accept: ".tar.gz,.tgz,.zip,application/gzip,application/zip" });
  const name = h("input", { type: "text", name: "name", autocomplete: "off", spellcheck: "false" });
  const progress = h("progress", { id: "upload-progress", max: 1, value: 0, hidden: true });
  const outcome = h("div", { id: "upload-outcome", role: "status" });
  const submit = h("button", { type: "submit", class: "primary", text: "Upload" });
  file.addEventListener("change", () => {
    const chosen = file.files[0];
    const archive = chosen ? archiveOf(chosen.name) : null;
    setFieldError(file, chosen && !archive ? "Choose a .tar.gz or .zip archive." : null);
    if (archive && !name.value) name.value = archive.name;
  });
  const form = h(
    "form",
    { id: "upload-form", class: "card", "aria-labelledby": "upload-title", novalidate: true },
    h("p", { class: "hint", text: "The archive holds a dataset folder's files at its root: records.jsonl and the page images it names. Identical content is the existing version." }),
    field("Archive (.tar.gz or .zip)", file),
    field("Dataset name", name, { hint: "Letters, digits, '-', '.' and '_'." }),
    h("div", { class: "actions" }, submit, progress),
    outcome,
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const chosen = file.files[0];
    const archive = chosen ? archiveOf(chosen.name) : null;
    setFieldError(file, archive ? null : "Choose a .tar.gz or .zip archive.");
    setFieldError(name, name.value ? null : "Name the dataset.");
    if (!archive || !name.value) return;
    submit.disabled = true;
    progress.hidden = false;
    progress.value = 0;
    fill(outcome);
    try {
      const path = `/api/v1/datasets?name=${encodeURIComponent(name.value)}`;
      const answer = await upload(path, chosen, archive.contentType, (loaded, total) => {
        progress.max = total;
        progress.value = loaded;
      });
      const v = answer.body;
      const what = answer.status === 201 ? "New version" : "Identical content: existing version";
      fill(outcome, h("div", { class: "banner info", text: `${what} ${v.name} v${v.version} (${v.size} records, ${v.content_hash})` }));
      await refresh();
    } catch (error) {
      fill(
        outcome,
        h("div", { class: "banner error", role: "alert", text: `Upload refused: ${error.message}` }),
        error.details?.length ? h("ul", { id: "upload-problems" }, error.details.map((d) => h("li", {}, h("code", { text: d.field }), `: ${d.message}`))) : null,
      );
    } finally {
      submit.disabled = false;
      progress.hidden = true;
    }
  });
  return form;
}
