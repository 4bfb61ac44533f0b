// The run page: presets, dataset, model configuration rows, a live request preview
// with a curl line, and submission. API validation errors (422 `details`, each with a
// `field` path such as `model_configs[1].temperature`) are shown next to that field.

import { ApiError, api } from "../api.js";
import { allows, roleName } from "../auth.js";
import { field, fill, h, setFieldError, uid } from "../dom.js";
import { experimentName } from "../format.js";
import {
  KNOWN_MODELS,
  MAX_JOBS,
  curlLine,
  defaultConfig,
  defaultState,
  parseMetadata,
  toRequest,
  withPreset,
} from "../request.js";

const SAVED = "tally.runForm";

export async function runForm({ main, signal }) {
  const [datasets, presets] = await Promise.all([
    api("/api/v1/datasets", { signal }).then((body) => body.datasets),
    api("/api/v1/presets", { signal }).then(
      (body) => body.presets,
      (error) => ({ error }),
    ),
  ]);
  if (signal.aborted) return;
  let state = restore(datasets);
  const banner = h("div", { class: "banner error", role: "alert" });
  const formArea = h("div");
  const preview = h("pre", { class: "preview", id: "request-preview", tabindex: "0", "aria-label": "Request JSON" });
  const curl = h("pre", { class: "preview wrap", id: "request-curl", tabindex: "0", "aria-label": "curl command" });
  const copyStatus = h("span", { class: "hint", role: "status" });
  const submit = h("button", { type: "submit", class: "primary", id: "submit-run", text: "Submit run" });
  const submitStatus = h("span", { class: "hint", role: "status" });
  const versions = new Map();

  const update = () => {
    const { request, errors } = toRequest(state);
    preview.textContent = JSON.stringify(request, null, 2);
    curl.textContent = curlLine(request, location.origin);
    submit.disabled = errors.length > 0 || !state.dataset_name;
    sessionStorage.setItem(SAVED, JSON.stringify(state));
  };

  const copy = async (text, what) => {
    try {
      await navigator.clipboard.writeText(text);
      copyStatus.textContent = `${what} copied.`;
    } catch {
      copyStatus.textContent = `Select the ${what} and copy it (the browser refused clipboard access).`;
    }
  };

  const build = (focusSelector) => {
    fill(formArea, presetSection(), datasetSection(), modelsSection());
    update();
    if (focusSelector) formArea.querySelector(focusSelector)?.focus();
  };

  function presetSection() {
    const buttons = Array.isArray(presets)
      ? presets.map((preset) =>
          h(
            "button",
            {
              type: "button",
              dataset: { preset: preset.id },
              title: preset.description,
              onclick: () => {
                state = withPreset(state, preset);
                clearErrors();
                build(`[data-preset="${preset.id}"]`);
              },
            },
            h("strong", { text: preset.title }),
            h("span", { class: "hint", text: preset.description }),
          ),
        )
      : [];
    const reset = h("button", {
      type: "button",
      dataset: { preset: "reset" },
      title: "Back to one default model on the whole dataset",
      onclick: () => {
        state = defaultState(datasets[0]?.name ?? "");
        clearErrors();
        build('[data-preset="reset"]');
      },
    }, h("strong", { text: "Reset" }), h("span", { class: "hint", text: "One model, defaults" }));
    return h(
      "section",
      { "aria-labelledby": "presets-title" },
      h("h2", { id: "presets-title", text: "Quick presets" }),
      h("div", { class: "presets" }, buttons, reset),
      presets.error ? h("p", { class: "hint", text: `Presets are unavailable: ${presets.error.message}` }) : null,
    );
  }

  function datasetSection() {
    const dataset = h("select", { name: "dataset_name" });
    for (const d of datasets) dataset.append(h("option", { value: d.name, text: `${d.name} (${d.size} records)` }));
    dataset.value = state.dataset_name;
    dataset.addEventListener("change", () => {
      state.dataset_name = dataset.value;
      state.dataset_version = null;
      build('[name="dataset_name"]');
    });

    const version = h("select", { name: "dataset_version" });
    const chosen = datasets.find((d) => d.name === state.dataset_name);
    version.append(h("option", { value: "", text: chosen ? `latest (v${chosen.latest_version})` : "latest" }));
    const fillVersions = (list) => {
      for (const v of [...list].reverse()) {
        const origin = v.datadog ? ` · from Datadog ${v.datadog.project_name}/${v.datadog.dataset_name} v${v.datadog.version}` : "";
        version.append(h("option", { value: String(v.version), text: `v${v.version} · ${v.size} records${origin}` }));
      }
      version.value = state.dataset_version === null ? "" : String(state.dataset_version);
    };
    if (chosen) {
      const known = versions.get(chosen.name);
      if (known) fillVersions(known);
      else {
        api(`/api/v1/datasets/${encodeURIComponent(chosen.name)}`, { signal }).then((body) => {
          versions.set(chosen.name, body.versions);
          fillVersions(body.versions);
        }, () => {});
      }
    }
    version.addEventListener("change", () => {
      state.dataset_version = version.value === "" ? null : Number(version.value);
      update();
    });

    const sample = h("input", { type: "number", name: "sample_size", min: "1", step: "1", inputmode: "numeric", placeholder: chosen ? `all ${chosen.size}` : "all" });
    sample.value = state.sample_size;
    sample.addEventListener("input", () => {
      state.sample_size = sample.value;
      setFieldError(sample, null);
      update();
    });

    const jobs = h("input", { type: "number", name: "jobs", min: "1", max: String(MAX_JOBS), step: "1", inputmode: "numeric" });
    jobs.value = String(state.jobs);
    jobs.addEventListener("input", () => {
      state.jobs = jobs.value === "" ? "" : Number(jobs.value);
      const ok = Number.isInteger(state.jobs) && state.jobs >= 1 && state.jobs <= MAX_JOBS;
      setFieldError(jobs, ok ? null : `Jobs must be a whole number from 1 to ${MAX_JOBS}.`);
      update();
    });

    const raise = h("input", { type: "checkbox", name: "raise_errors", checked: state.raise_errors });
    raise.addEventListener("change", () => {
      state.raise_errors = raise.checked;
      update();
    });

    const batch = h("input", { type: "checkbox", name: "execution", checked: state.execution === "batch" });
    batch.addEventListener("change", () => {
      state.execution = batch.checked ? "batch" : "online";
      update();
    });

    return h(
      "section",
      { "aria-labelledby": "dataset-title" },
      h("h2", { id: "dataset-title", text: "Dataset" }),
      datasets.length === 0
        ? h("p", { class: "banner info" }, "No dataset is imported yet: import one with ", h("code", { text: "tally dataset import <folder>" }), ".")
        : null,
      h(
        "div",
        { class: "grid-fields" },
        field("Dataset", dataset, { fieldPath: "dataset_name", className: "field span2" }),
        field("Version", version, { fieldPath: "dataset_version" }),
        field("Sample size", sample, { fieldPath: "sample_size", hint: "First N records; empty = all" }),
        field("Jobs", jobs, { fieldPath: "jobs", hint: `Model calls in flight per experiment (1–${MAX_JOBS})` }),
        field("Raise errors", raise, { fieldPath: "raise_errors", className: "field check", hint: "Stop an experiment at its first failed record" }),
        field("Batch mode", batch, { fieldPath: "execution", className: "field check", hint: "Gemini batch: half the price, answers within 24 h" }),
      ),
    );
  }

  function modelsSection() {
    const rows = state.model_configs.map((config, index) => modelRow(config, index));
    const add = h("button", {
      type: "button",
      id: "add-model",
      text: "+ Add model",
      onclick: () => {
        state.model_configs.push(defaultConfig());
        build(`[data-field="model_configs[${state.model_configs.length - 1}].model"]`);
      },
    });
    const listError = h("p", { class: "field-error", id: "model-configs-error", role: "alert" });
    const anchor = h("span", { id: "model-configs", dataset: { field: "model_configs" }, tabindex: "-1" });
    return h(
      "section",
      { "aria-labelledby": "models-title" },
      h("h2", { id: "models-title" }, "Model configurations ", anchor),
      listError,
      rows,
      add,
    );
  }

  function modelRow(config, index) {
    const path = `model_configs[${index}]`;
    const legendId = uid("legend");
    const name = h("span", { class: "name" });
    const showName = () => {
      name.textContent = experimentName(config.model || "?", config.temperature, config.name_suffix.trim());
    };

    const model = h("input", { type: "text", list: "known-models", name: `${path}.model`, autocomplete: "off", spellcheck: "false" });
    model.value = config.model;
    model.addEventListener("input", () => {
      config.model = model.value;
      setFieldError(model, null);
      showName();
      update();
    });

    const temperature = h("input", { type: "range", min: "0", max: "2", step: "0.1", name: `${path}.temperature` });
    temperature.value = String(config.temperature);
    const shown = h("output", { text: Number(config.temperature).toFixed(1) });
    temperature.addEventListener("input", () => {
      config.temperature = Number(temperature.value);
      shown.textContent = config.temperature.toFixed(1);
      setFieldError(temperature, null);
      showName();
      update();
    });

    const suffix = h("input", { type: "text", name: `${path}.name_suffix`, autocomplete: "off", spellcheck: "false", placeholder: "optional" });
    suffix.value = config.name_suffix;
    suffix.addEventListener("input", () => {
      config.name_suffix = suffix.value;
      setFieldError(suffix, null);
      showName();
      update();
    });

    const metadata = h("textarea", { name: `${path}.metadata`, rows: "2", spellcheck: "false" });
    metadata.value = config.metadata;
    const checkMetadata = () => {
      const parsed = parseMetadata(metadata.value);
      setFieldError(metadata, parsed.error ? `Metadata is ${parsed.error}` : null);
    };
    metadata.addEventListener("input", () => {
      config.metadata = metadata.value;
      checkMetadata();
      update();
    });

    const temperatureField = field("Temperature", temperature, { fieldPath: `${path}.temperature`, hint: "0 = deterministic, up to 2" });
    temperature.before(h("span", { class: "temp-line" }));
    const line = temperatureField.querySelector(".temp-line");
    line.append(temperature, shown);
    shown.setAttribute("for", temperature.id);

    const fieldset = h(
      "fieldset",
      { class: "model-row", id: uid("row"), dataset: { field: path, row: String(index) }, "aria-labelledby": legendId },
      h("legend", { id: legendId, text: `Model ${index + 1}` }),
      h(
        "div",
        { class: "model-grid" },
        field("Model", model, { fieldPath: `${path}.model`, hint: "Pick a known model or type any model id" }),
        temperatureField,
        field("Name suffix", suffix, { fieldPath: `${path}.name_suffix` }),
        field("Metadata (JSON object)", metadata, { fieldPath: `${path}.metadata`, className: "field wide" }),
      ),
      h(
        "div",
        { class: "row-actions" },
        name,
        h("button", {
          type: "button",
          text: "Duplicate",
          "aria-label": `Duplicate model ${index + 1}`,
          onclick: () => {
            state.model_configs.splice(index + 1, 0, { ...config });
            build(`[data-field="model_configs[${index + 1}].model"]`);
          },
        }),
        h("button", {
          type: "button",
          class: "danger",
          text: "Remove",
          "aria-label": `Remove model ${index + 1}`,
          disabled: state.model_configs.length === 1,
          onclick: () => {
            state.model_configs.splice(index, 1);
            build(`[data-field="model_configs[${Math.max(0, index - 1)}].model"]`);
          },
        }),
      ),
    );
    fieldset.append(h("p", { class: "field-error", id: `${fieldset.id}-error`, role: "alert" }));
    showName();
    checkMetadata();
    return fieldset;
  }

  function clearErrors() {
    banner.textContent = "";
    for (const control of main.querySelectorAll("[data-field]")) setFieldError(control, null);
  }

  /** Puts each API error next to the field it names (or the nearest enclosing one). */
  function showErrors(error) {
    clearErrors();
    const unplaced = [];
    let first = null;
    for (const detail of error.details) {
      const control = controlFor(detail.field);
      if (control) {
        const slot = document.getElementById(`${control.id}-error`);
        const previous = slot?.textContent ? `${slot.textContent} ` : "";
        setFieldError(control, `${previous}${detail.field}: ${detail.message}`);
        first ??= control;
      } else {
        unplaced.push(`${detail.field}: ${detail.message}`);
      }
    }
    const summary = error.details.length > 0
      ? `The API refused the request (${error.details.length} problem${error.details.length === 1 ? "" : "s"}, shown at their fields).`
      : error.message;
    banner.textContent = [summary, ...unplaced].join(" ");
    (first ?? banner).focus?.();
    if (first) first.scrollIntoView({ block: "center" });
  }

  function controlFor(path) {
    let candidate = path;
    while (candidate) {
      const control = main.querySelector(`[data-field="${CSS.escape(candidate)}"]`);
      if (control) return control;
      const cut = Math.max(candidate.lastIndexOf("."), candidate.lastIndexOf("["));
      candidate = cut > 0 ? candidate.slice(0, cut) : "";
    }
    return null;
  }

  const form = h(
    "form",
    {
      class: "card",
      novalidate: true,
      "aria-labelledby": "run-title",
      onsubmit: async (event) => {
        event.preventDefault();
        const { request, errors } = toRequest(state);
        if (errors.length > 0) {
          showErrors(new ApiError(422, { error: { message: "fix the fields first", details: errors } }));
          return;
        }
        submit.disabled = true;
        submitStatus.textContent = "Submitting…";
        try {
          const accepted = await api("/api/v1/experiments/run-async", { method: "POST", body: request });
          submitStatus.textContent = `Run ${accepted.run_id} accepted.`;
          location.hash = `#/runs/${accepted.run_id}`;
        } catch (error) {
          submitStatus.textContent = "";
          if (error instanceof ApiError) showErrors(error);
          else banner.textContent = `The request could not be sent: ${error.message}`;
          update();
        }
      },
    },
    formArea,
    allows("runner")
      ? h("div", { class: "submit-line" }, submit, submitStatus)
      : h("p", { class: "banner info", id: "no-submit" }, `This key has the ${roleName()} role, which may not submit runs: copy the request below for a key that may.`),
  );

  fill(
    main,
    h("h1", { id: "run-title", text: "New run" }),
    banner,
    h("datalist", { id: "known-models" }, KNOWN_MODELS.map((m) => h("option", { value: m }))),
    h(
      "div",
      { class: "run-layout" },
      form,
      h(
        "aside",
        { class: "card", "aria-labelledby": "preview-title" },
        h("h2", { id: "preview-title", text: "Request preview" }),
        h("p", { class: "hint", text: "Exactly what Submit sends to POST /api/v1/experiments/run-async." }),
        preview,
        h(
          "div",
          { class: "actions" },
          h("button", { type: "button", text: "Copy JSON", onclick: () => copy(preview.textContent, "JSON") }),
          h("button", { type: "button", text: "Copy curl", onclick: () => copy(curl.textContent, "curl command") }),
          copyStatus,
        ),
        h("h3", { text: "As curl" }),
        curl,
      ),
    ),
  );
  build();
}

/** The form as last left in this tab, or the defaults for the first dataset. */
function restore(datasets) {
  try {
    const saved = JSON.parse(sessionStorage.getItem(SAVED) ?? "null");
    if (saved && Array.isArray(saved.model_configs) && saved.model_configs.length > 0
      && datasets.some((d) => d.name === saved.dataset_name)) {
      return { ...defaultState(saved.dataset_name), ...saved };
    }
  } catch {
    // A damaged saved form is simply forgotten.
  }
  return defaultState(datasets[0]?.name ?? "");
}
