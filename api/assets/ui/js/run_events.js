// A run's states until it is final: the Server-Sent Events of
// /api/v1/experiments/runs/{id}/events, read through fetch (EventSource cannot send
// the X-API-Key header), and polling every second when the stream cannot be had or
// breaks off before the final state.

import { api, sleep } from "./api.js";

const POLL_MS = 1000;
const FINAL = ["succeeded", "partial", "failed", "cancelled"];

/**
 * Yields each state of the run (a RunStatus answer), the final one last. A run that
 * does not exist or a refused key throws; other failures are reported to `onError`
 * and waited out.
 */
export async function* runStates(runId, signal, onError) {
  try {
    for await (const run of streamed(runId, signal)) {
      yield run;
      if (FINAL.includes(run.status)) return;
    }
  } catch (error) {
    if (signal.aborted || error.status === 404 || error.status === 401) throw error;
  }
  for (;;) {
    let run;
    try {
      run = await api(`/api/v1/experiments/runs/${runId}`, { signal });
    } catch (error) {
      if (signal.aborted || error.status === 404 || error.status === 401) throw error;
      onError(error);
      await sleep(POLL_MS, signal);
      continue;
    }
    yield run;
    if (FINAL.includes(run.status)) return;
    await sleep(POLL_MS, signal);
  }
}

/** The `status` and `final` events of the run's stream, parsed; ends with the stream. */
async function* streamed(runId, signal) {
  const response = await api(`/api/v1/experiments/runs/${runId}/events`, { raw: true, signal });
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += value;
    let end;
    while ((end = buffer.indexOf("\n\n")) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      let kind = "message";
      let data = "";
      for (const line of block.split("\n")) {
        if (line.startsWith("event:")) kind = line.slice(6).trim();
        else if (line.startsWith("data:")) data += line.slice(5).replace(/^ /, "");
      }
      if (kind === "status" || kind === "final") yield JSON.parse(data);
    }
  }
}
