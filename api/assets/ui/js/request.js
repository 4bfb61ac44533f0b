// The run form's state and the exact request it sends. Kept apart from the DOM so the
// preview, the curl line and the submission cannot disagree.

/** Models offered in the model field (any other id can be typed); tesseract-tha is the
 * local OCR model, run by the workers themselves. */
export const KNOWN_MODELS = [
  "gemini-2.5-flash",
  "gemini-2.5-flash-lite",
  "gemini-2.5-pro",
  "gemini-2.0-flash",
  "gemini-2.0-flash-lite",
  "gemini-1.5-flash",
  "gemini-1.5-pro",
  "tesseract-tha",
];

export const DEFAULT_JOBS = 2;
/** The page offers at most this many model calls in flight per experiment. */
export const MAX_JOBS = 10;

export function defaultConfig() {
  return { model: "gemini-2.5-flash", temperature: 0, name_suffix: "", metadata: "{}" };
}

export function defaultState(datasetName = "") {
  return {
    dataset_name: datasetName,
    dataset_version: null,
    sample_size: "",
    jobs: DEFAULT_JOBS,
    raise_errors: true,
    execution: "online",
    model_configs: [defaultConfig()],
  };
}

/** The state after applying a preset: its configurations and sample size, same dataset. */
export function withPreset(state, preset) {
  return {
    ...defaultState(state.dataset_name),
    dataset_version: state.dataset_version,
    sample_size: preset.sample_size ?? "",
    model_configs: preset.model_configs.map((config) => ({
      model: config.model,
      temperature: config.temperature,
      name_suffix: config.name_suffix ?? "",
      metadata: config.metadata ? JSON.stringify(config.metadata) : "{}",
    })),
  };
}

/** Parses a metadata text: {value} when it is a JSON object, else {error}. */
export function parseMetadata(text) {
  const trimmed = text.trim();
  if (trimmed === "") return { value: {} };
  let value;
  try {
    value = JSON.parse(trimmed);
  } catch (error) {
    return { error: `not valid JSON: ${error.message}` };
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    return { error: "must be a JSON object, like {\"prompt\": \"v2\"}" };
  }
  return { value };
}

/**
 * The request body. Fields left at their defaults are left out (the API fills them
 * in), so the preview shows what was chosen. Invalid metadata is sent as it was
 * typed only if the caller ignores `errors`; the page blocks submission instead.
 */
export function toRequest(state) {
  const errors = [];
  const request = { dataset_name: state.dataset_name };
  if (state.dataset_version !== null) request.dataset_version = state.dataset_version;
  request.model_configs = state.model_configs.map((config, index) => {
    const out = { model: config.model.trim(), temperature: Number(config.temperature) };
    if (config.name_suffix.trim()) out.name_suffix = config.name_suffix.trim();
    const metadata = parseMetadata(config.metadata);
    if (metadata.error) errors.push({ field: `model_configs[${index}].metadata`, message: metadata.error });
    else if (Object.keys(metadata.value).length > 0) out.metadata = metadata.value;
    return out;
  });
  if (String(state.sample_size).trim() !== "") request.sample_size = Number(state.sample_size);
  const jobs = Number(state.jobs);
  if (!Number.isInteger(jobs) || jobs < 1 || jobs > MAX_JOBS) {
    errors.push({ field: "jobs", message: `must be a whole number from 1 to ${MAX_JOBS}` });
  }
  if (jobs !== DEFAULT_JOBS) request.jobs = jobs;
  if (!state.raise_errors) request.raise_errors = false;
  if (state.execution === "batch") request.execution = "batch";
  return { request, errors };
}

/** A shell line that submits `request` (the key comes from $TALLY_API_KEY). */
export function curlLine(request, origin) {
  const body = JSON.stringify(request, null, 2).replaceAll("'", "'\\''");
  return [
    `curl -sS -X POST '${origin}/api/v1/experiments/run-async' \\`,
    `  -H 'Content-Type: application/json' \\`,
    `  -H "X-API-Key: $TALLY_API_KEY" \\`,
    `  -d '${body}'`,
  ].join("\n");
}
