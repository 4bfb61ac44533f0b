// The key prompt. Without a key the API accepts, the page shows nothing but this
// prompt; the key lives in sessionStorage (this tab only) and is dropped on a 401.
// Once a key is accepted, its name and role (GET /api/v1/whoami) tell the pages
// which controls to show: a viewer key gets no submit, cancel, retry or pause.

import { ApiError, api, forgetKey, storeKey, storedKey } from "./api.js";

const PROBE = "/api/v1/datasets";
const RANK = { viewer: 0, runner: 1, admin: 2 };

/** The key's {name, role}; null until known (then every control shows and the API decides). */
let caller = null;

/** Asks the API who the stored key is. */
export async function loadCaller() {
  try {
    caller = await api("/api/v1/whoami");
  } catch {
    caller = null;
  }
}

/** Whether the key's role is at least `role` (true while the role is unknown). */
export function allows(role) {
  return caller === null || RANK[caller.role] >= RANK[role];
}

/** Whether the key may cancel or retry `run`: an admin any run, a runner its own. */
export function mayChangeRun(run) {
  if (caller === null || allows("admin")) return true;
  return allows("runner") && caller.name !== null && run.submitter.api_key_name === caller.name;
}

/** The key's name (a labeller is known by it); null while unknown. */
export function callerName() {
  return caller?.name ?? null;
}

/** What the key's role is, for a page to say why a control is missing. */
export function roleName() {
  return caller?.role ?? "";
}

/** Resolves once a valid key is stored (or the server needs none). */
export async function ensureKey() {
  if (await accepted(storedKey() ?? "")) return;
  forgetKey();
  await prompt();
}

/** True when the API accepts `key` ("" = no key at all). */
async function accepted(key) {
  try {
    await api(PROBE, { key });
    return true;
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) return false;
    // Another failure (Redis down: 503) says nothing about the key; let pages show it.
    return key !== "";
  }
}

/** Shows the prompt until a key is accepted. */
export function prompt() {
  const section = document.getElementById("key-prompt");
  const form = document.getElementById("key-form");
  const input = document.getElementById("key-input");
  const error = document.getElementById("key-error");
  document.getElementById("app").hidden = true;
  document.getElementById("main").replaceChildren();
  section.hidden = false;
  input.value = "";
  error.textContent = "";
  input.removeAttribute("aria-invalid");
  input.focus();
  return new Promise((resolve) => {
    form.onsubmit = async (event) => {
      event.preventDefault();
      const key = input.value.trim();
      if (!key) {
        error.textContent = "Enter the API key.";
        input.setAttribute("aria-invalid", "true");
        return;
      }
      if (!(await accepted(key))) {
        error.textContent = "The API does not accept this key.";
        input.setAttribute("aria-invalid", "true");
        input.select();
        return;
      }
      storeKey(key);
      section.hidden = true;
      form.onsubmit = null;
      resolve();
    };
  });
}
