// A record's scanned pages, zoomable: buttons, the keyboard (+, −, 0 while the pages
// have focus) and Ctrl + wheel; the pages scroll inside their own focusable frame,
// so the arrow keys move around a zoomed page. Images need the key: they are
// fetched, then shown through blob: URLs released when the page goes.

import { blobUrl, pathOf } from "./api.js";
import { h } from "./dom.js";

const MIN = 0.5;
const MAX = 4;
const STEP = 1.25;

export function pageViewer(pageUrls, { signal, name }) {
  let zoom = 1;
  const level = h("output", { id: "zoom-level", "aria-live": "polite", text: "100 %" });
  const frame = h("div", {
    id: "page-frame",
    class: "page-frame",
    tabindex: "0",
    role: "region",
    "aria-label": "Scanned pages (+ and − zoom, 0 fits, arrow keys scroll)",
  });
  const images = [];

  const apply = (next, anchor) => {
    const bounded = Math.min(MAX, Math.max(MIN, next));
    const ratio = bounded / zoom;
    // Keep the point under the pointer (or the frame's centre) where it was.
    const ax = anchor?.x ?? frame.clientWidth / 2;
    const ay = anchor?.y ?? frame.clientHeight / 2;
    const left = (frame.scrollLeft + ax) * ratio - ax;
    const top = (frame.scrollTop + ay) * ratio - ay;
    zoom = bounded;
    for (const img of images) img.style.width = `${Math.round(zoom * 100)}%`;
    frame.scrollLeft = left;
    frame.scrollTop = top;
    level.textContent = `${Math.round(zoom * 100)} %`;
  };
  const zoomIn = () => apply(zoom * STEP);
  const zoomOut = () => apply(zoom / STEP);
  const reset = () => apply(1);

  frame.addEventListener("keydown", (event) => {
    if (event.altKey || event.ctrlKey || event.metaKey) return;
    const act = { "+": zoomIn, "=": zoomIn, "-": zoomOut, "0": reset }[event.key];
    if (!act) return;
    // The workbench's own shortcuts zoom too: once is enough.
    event.preventDefault();
    event.stopPropagation();
    act();
  });
  frame.addEventListener("wheel", (event) => {
    if (!event.ctrlKey) return;
    event.preventDefault();
    const box = frame.getBoundingClientRect();
    apply(event.deltaY < 0 ? zoom * STEP : zoom / STEP, { x: event.clientX - box.left, y: event.clientY - box.top });
  }, { passive: false, signal });

  const jumps = pageUrls.map((_, i) =>
    h("button", {
      type: "button",
      class: "quiet",
      "aria-label": `Show page ${i + 1}`,
      text: String(i + 1),
      onclick: () => {
        frame.querySelectorAll("figure")[i]?.scrollIntoView({ block: "start" });
        frame.focus({ preventScroll: true });
      },
    }),
  );

  pageUrls.forEach((url, i) => {
    const img = h("img", { alt: `Page ${i + 1} of ${name}`, draggable: "false" });
    images.push(img);
    frame.append(h("figure", {}, img, h("figcaption", { text: `Page ${i + 1} of ${pageUrls.length}` })));
    blobUrl(pathOf(url)).then(
      (src) => {
        img.src = src;
        signal.addEventListener("abort", () => URL.revokeObjectURL(src), { once: true });
      },
      (error) => img.replaceWith(h("p", { class: "field-error", text: `Page ${i + 1} could not be loaded: ${error.message}` })),
    );
  });
  if (pageUrls.length === 0) frame.append(h("p", { class: "empty", text: "This record has no page images." }));

  const element = h(
    "section",
    { id: "page-viewer", class: "page-viewer", "aria-label": "Scanned pages" },
    h(
      "div",
      { class: "zoom-bar", role: "toolbar", "aria-label": "Zoom" },
      h("button", { type: "button", id: "zoom-out", "aria-label": "Zoom out", text: "−", onclick: zoomOut }),
      level,
      h("button", { type: "button", id: "zoom-in", "aria-label": "Zoom in", text: "+", onclick: zoomIn }),
      h("button", { type: "button", id: "zoom-reset", text: "Fit", onclick: reset }),
      jumps.length > 1 ? h("span", { class: "page-jumps" }, h("span", { class: "hint", text: "Page" }), jumps) : null,
    ),
    frame,
  );
  return { element, zoomIn, zoomOut, reset, focus: () => frame.focus() };
}
