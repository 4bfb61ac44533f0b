// Boot and hash router. Routes (the API's run_url / experiment_url point at these):
//   #/                          new run            #/runs/{id}          progress, results
//   #/runs/{id}/compare         its experiments    #/experiments/{id}   records of one experiment
//   #/experiments/{id}/records/{record}            drill-down of one record
//   #/compare?ids=a,b           comparison         #/history            runs list
//   #/schedules, #/schedules/{name}                schedules, one schedule's trend
//   #/datasets                  datasets and the upload of a version
//   #/labelsets, #/labelsets/{name}                label sets, one set's progress
//   #/labelsets/{name}/records/{id}[?second=1]     the labelling workbench

import { forgetKey, onUnauthorized } from "./api.js";
import { ensureKey, loadCaller, prompt } from "./auth.js";
import { h } from "./dom.js";
import { compareExperiments, compareRun } from "./pages/compare.js";
import { datasetsPage } from "./pages/datasets.js";
import { experimentPage } from "./pages/experiment.js";
import { historyPage } from "./pages/history.js";
import { labelsetPage } from "./pages/labelset.js";
import { labelsetsPage } from "./pages/labelsets.js";
import { recordPage } from "./pages/record.js";
import { runForm } from "./pages/run_form.js";
import { runView } from "./pages/run_view.js";
import { schedulePage, schedulesPage } from "./pages/schedules.js";
import { workbenchPage } from "./pages/workbench.js";

const ROUTES = [
  [/^\/?$/, "run", () => runForm],
  [/^\/runs\/([^/]+)\/compare$/, "compare", (m) => (ctx) => compareRun(ctx, m[1])],
  [/^\/runs\/([^/]+)$/, "history", (m) => (ctx) => runView(ctx, m[1])],
  [/^\/experiments\/([^/]+)\/records\/(.+)$/, "history", (m) => (ctx) => recordPage(ctx, m[1], decodeURIComponent(m[2]))],
  [/^\/experiments\/([^/]+)$/, "history", (m) => (ctx) => experimentPage(ctx, m[1])],
  [/^\/compare$/, "compare", () => compareExperiments],
  [/^\/history$/, "history", () => historyPage],
  [/^\/schedules$/, "schedules", () => schedulesPage],
  [/^\/datasets$/, "datasets", () => datasetsPage],
  [/^\/labelsets$/, "labelsets", () => labelsetsPage],
  [/^\/labelsets\/([^/]+)\/records\/(.+)$/, "labelsets", (m) => (ctx) => workbenchPage(ctx, decodeURIComponent(m[1]), decodeURIComponent(m[2]))],
  [/^\/labelsets\/([^/]+)$/, "labelsets", (m) => (ctx) => labelsetPage(ctx, decodeURIComponent(m[1]))],
  [/^\/schedules\/(.+)$/, "schedules", (m) => (ctx) => schedulePage(ctx, decodeURIComponent(m[1]))],
];

let current = null;

/** The hash as {path, params}: "#/compare?ids=a,b" → {"/compare", {ids: "a,b"}}. */
function location_() {
  const hash = decodeURI(location.hash.replace(/^#/, "")) || "/";
  const [path, search = ""] = hash.split("?");
  return { path, params: new URLSearchParams(search) };
}

async function render() {
  // A page that polls stops when another one replaces it.
  current?.abort();
  const controller = new AbortController();
  current = controller;
  const { path, params } = location_();
  const main = document.getElementById("main");
  const match = ROUTES.map(([pattern, nav, page]) => [path.match(pattern), nav, page]).find(([m]) => m);
  for (const link of document.querySelectorAll("[data-nav]")) {
    if (match && link.dataset.nav === match[1]) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
  main.replaceChildren();
  const ctx = { main, params, signal: controller.signal };
  if (!match) {
    main.append(h("h1", { text: "Not found" }), h("p", {}, "Nothing lives at ", h("code", { text: location.hash }), ". ", h("a", { href: "#/", text: "Start a new run" })));
    return;
  }
  try {
    await match[2](match[0])(ctx);
  } catch (error) {
    if (controller.signal.aborted) return;
    main.append(h("div", { class: "banner error", role: "alert", text: `Could not load this page: ${error.message}` }));
  }
  if (!controller.signal.aborted) {
    const heading = main.querySelector("h1");
    if (heading) document.title = `${heading.textContent} · tally`;
  }
}

/**
 * Moves focus to the new page so keyboard and screen-reader users land on it —
 * unless the page put it on one of its own controls (the workbench's `?field=`).
 */
function focusMain() {
  const main = document.getElementById("main");
  if (main.contains(document.activeElement) && document.activeElement !== main) return;
  main.focus({ preventScroll: true });
}

/** Drops the key and shows the prompt alone; the page comes back once a key is accepted. */
let asking = false;
async function askAgain() {
  // Several calls may be refused at once; one prompt answers them all.
  if (asking) return;
  asking = true;
  forgetKey();
  current?.abort();
  await prompt();
  await loadCaller();
  asking = false;
  document.getElementById("app").hidden = false;
  render();
}

async function start() {
  onUnauthorized(askAgain);
  document.getElementById("sign-out").addEventListener("click", askAgain);
  await ensureKey();
  await loadCaller();
  document.getElementById("app").hidden = false;
  window.addEventListener("hashchange", () => {
    render().then(focusMain);
  });
  render();
}

start();
