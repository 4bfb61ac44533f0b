// The upload of a .tar.gz or .zip archive under a name (a dataset version, a label
// set): the file control, the name taken from the file's, the progress while it is
// sent and, when refused, every problem by archive entry and line.

import { upload } from "./api.js";
import { field, fill, h, setFieldError } from "./dom.js";

const FORMATS = [
  [".tar.gz", "application/gzip"],
  [".tgz", "application/gzip"],
  [".zip", "application/zip"],
];

/** The Content-Type and the default name of an archive, from its file name. */
function archiveOf(fileName) {
  const lower = fileName.toLowerCase();
  const format = FORMATS.find(([ending]) => lower.endsWith(ending));
  if (!format) return null;
  return { contentType: format[1], name: fileName.slice(0, fileName.length - format[0].length) };
}

/**
 * The form. Its ids start with `prefix` (`${prefix}-form`, `-progress`, `-outcome`,
 * `-problems`); `path(name)` is where the archive goes, `describe({status, body})`
 * says what was made of it, and `done()` runs after a success.
 */
export function archiveUploadForm({ prefix, labelledBy, intro, nameLabel, nameHint, submitText, path, describe, done }) {
  const file = h("input", { type: "file", name: "archive", accept: ".tar.gz,.tgz,.zip,application/gzip,application/zip" });
  const name = h("input", { type: "text", name: "name", autocomplete: "off", spellcheck: "false" });
  const progress = h("progress", { id: `${prefix}-progress`, max: 1, value: 0, hidden: true });
  const outcome = h("div", { id: `${prefix}-outcome`, role: "status" });
  const submit = h("button", { type: "submit", class: "primary", text: submitText });
  file.addEventListener("change", () => {
    const chosen = file.files[0];
    const archive = chosen ? archiveOf(chosen.name) : null;
    setFieldError(file, chosen && !archive ? "Choose a .tar.gz or .zip archive." : null);
    if (archive && !name.value) name.value = archive.name;
  });
  const form = h(
    "form",
    { id: `${prefix}-form`, class: "card", "aria-labelledby": labelledBy, novalidate: true },
    h("p", { class: "hint", text: intro }),
    field("Archive (.tar.gz or .zip)", file),
    field(nameLabel, name, { hint: nameHint }),
    h("div", { class: "actions" }, submit, progress),
    outcome,
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const chosen = file.files[0];
    const archive = chosen ? archiveOf(chosen.name) : null;
    setFieldError(file, archive ? null : "Choose a .tar.gz or .zip archive.");
    setFieldError(name, name.value ? null : `Give the ${nameLabel.toLowerCase()}.`);
    if (!archive || !name.value) return;
    submit.disabled = true;
    progress.hidden = false;
    progress.value = 0;
    fill(outcome);
    try {
      const answer = await upload(path(name.value), chosen, archive.contentType, (loaded, total) => {
        progress.max = total;
        progress.value = loaded;
      });
      fill(outcome, h("div", { class: "banner info" }, describe(answer)));
      await done(answer);
    } catch (error) {
      fill(
        outcome,
        h("div", { class: "banner error", role: "alert", text: `Upload refused: ${error.message}` }),
        error.details?.length ? h("ul", { id: `${prefix}-problems` }, error.details.map((d) => h("li", {}, h("code", { text: d.field }), `: ${d.message}`))) : null,
      );
    } finally {
      submit.disabled = false;
      progress.hidden = true;
    }
  });
  return form;
}
