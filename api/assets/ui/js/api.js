// Every call to the API goes through `api`: it sends the session's key as X-API-Key
// and turns error answers ({"error": {code, message, details}}) into ApiError.

const KEY_ITEM = "tally.apiKey";

export function storedKey() {
  return sessionStorage.getItem(KEY_ITEM);
}

export function storeKey(key) {
  sessionStorage.setItem(KEY_ITEM, key);
}

export function forgetKey() {
  sessionStorage.removeItem(KEY_ITEM);
}

export class ApiError extends Error {
  constructor(status, body) {
    const error = body?.error ?? {};
    super(error.message || `the API answered ${status}`);
    this.status = status;
    this.code = error.code ?? "unknown";
    /** [{field, message}], one per violated rule. */
    this.details = Array.isArray(error.details) ? error.details : [];
  }
}

let unauthorized = () => {};

/** Called whenever the API refuses the key (401). */
export function onUnauthorized(handler) {
  unauthorized = handler;
}

/**
 * `api("/api/v1/datasets")` → parsed JSON. Options: method, body (sent as JSON),
 * raw (return the Response), key (try this key instead of the stored one).
 */
export async function api(path, { method = "GET", body, raw = false, key, signal } = {}) {
  const headers = { Accept: "application/json" };
  const apiKey = key ?? storedKey();
  if (apiKey) headers["X-API-Key"] = apiKey;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const response = await fetch(path, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    signal,
    cache: "no-store",
  });
  if (!response.ok) {
    let parsed = null;
    try {
      parsed = await response.json();
    } catch {
      // Not JSON (a proxy's page): the status alone explains it.
    }
    if (response.status === 401 && key === undefined) unauthorized();
    throw new ApiError(response.status, parsed);
  }
  return raw ? response : response.json();
}

/** The path (and query) of an absolute URL the API handed out, for same-origin calls. */
export function pathOf(url) {
  try {
    const parsed = new URL(url, location.origin);
    return parsed.pathname + parsed.search;
  } catch {
    return url;
  }
}

/** An object URL for an authenticated binary (a page image), for <img src>. */
export async function blobUrl(path) {
  const response = await api(path, { raw: true });
  return URL.createObjectURL(await response.blob());
}

/** `?a=1&b=2` from an object, skipping empty values. */
export function query(params) {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== "") search.set(name, value);
  }
  const text = search.toString();
  return text ? `?${text}` : "";
}

/** Every stored result of an experiment (pages of 1000), at most `cap` of them. */
export async function resultsOf(experimentId, { signal, cap = 5000 } = {}) {
  const results = [];
  let offset = 0;
  while (offset !== null && results.length < cap) {
    const page = await api(`/api/v1/experiments/experiments/${experimentId}/results${query({ offset, limit: 1000 })}`, { signal });
    results.push(...page.results);
    offset = page.next_offset;
  }
  return results;
}

/** Waits `ms`, or rejects when `signal` aborts (a page that polls stops with it). */
export function sleep(ms, signal) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener("abort", () => {
      clearTimeout(timer);
      reject(new DOMException("aborted", "AbortError"));
    }, { once: true });
  });
}

/**
 * POSTs `file` as the raw body (an upload), reporting `onProgress(loaded, total)` as
 * it is sent; resolves to {status, body}. XMLHttpRequest, since fetch reports no
 * upload progress; the key and errors are handled as `api` handles them.
 */
export function upload(path, file, contentType, onProgress) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open("POST", path);
    xhr.setRequestHeader("Accept", "application/json");
    xhr.setRequestHeader("Content-Type", contentType);
    const apiKey = storedKey();
    if (apiKey) xhr.setRequestHeader("X-API-Key", apiKey);
    xhr.upload.addEventListener("progress", (event) => {
      if (event.lengthComputable) onProgress(event.loaded, event.total);
    });
    xhr.addEventListener("load", () => {
      let parsed = null;
      try {
        parsed = JSON.parse(xhr.responseText);
      } catch {
        // Not JSON (a proxy's page): the status alone explains it.
      }
      if (xhr.status >= 200 && xhr.status < 300) {
        resolve({ status: xhr.status, body: parsed });
        return;
      }
      if (xhr.status === 401) unauthorized();
      reject(new ApiError(xhr.status, parsed));
    });
    xhr.addEventListener("error", () => reject(new Error("the upload did not reach the API")));
    xhr.send(file);
  });
}
