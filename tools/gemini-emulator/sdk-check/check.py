"""Google's own SDK (google-genai) against gemini-emulator.

Run by run.sh with GEMINI_EMULATOR_ORIGIN pointing at a running emulator that answers
the sample dataset. Through the SDK's public API it asks for the extraction of one
record's pages and requires:

- a 200 the SDK parses, with JSON text and usage metadata that counts the pages'
  image tiles as input tokens (the emulator's input-token quota counts the same);
- a per-minute quota 429 the SDK raises as a ClientError with code 429 and, in its
  details, a QuotaFailure naming an input-token or request quota and a RetryInfo;
- a per-day quota 429 whose QuotaFailure names the per-day quota;
- a contention 429 (Vertex's shared pool) with no QuotaFailure and no RetryInfo;
- a batch of two inline requests, created, polled through its states until it
  succeeds, listed, and read back: each answer JSON, under its request's key;
- a second batch cancelled while pending, then deleted.

Any SDK error or mismatch fails the check with a message on stderr and exit status 1.
"""

import json
import os
import sys
import time
import urllib.request

from google import genai
from google.genai import errors, types

ORIGIN = os.environ["GEMINI_EMULATOR_ORIGIN"].rstrip("/")
DATASET = os.environ["GEMINI_EMULATOR_DATASET"]
MODEL = "gemini-2.5-flash"
TILE_TOKENS = 258


def fail(message):
    print(f"sdk-check: {message}", file=sys.stderr)
    sys.exit(1)


def admin(method, path, payload):
    request = urllib.request.Request(
        f"{ORIGIN}{path}",
        data=json.dumps(payload).encode(),
        headers={"Content-Type": "application/json"},
        method=method,
    )
    urllib.request.urlopen(request, timeout=5).read()


def inject(fault):
    admin("POST", "/_emulator/faults", {"faults": [fault]})


def detail_types(error):
    details = (error.details or {}).get("error", {}).get("details", [])
    return {d.get("@type", "").rsplit(".", 1)[-1]: d for d in details}


client = genai.Client(
    api_key=os.environ["GEMINI_API_KEY"],
    http_options=types.HttpOptions(base_url=ORIGIN, api_version="v1beta"),
)

with open(os.path.join(DATASET, "records.jsonl"), encoding="utf-8") as lines:
    record = json.loads(lines.readline())
pages = [
    types.Part.from_bytes(
        data=open(os.path.join(DATASET, path), "rb").read(), mime_type="image/png"
    )
    for path in record["input"]["image_paths"]
]
config = types.GenerateContentConfig(
    temperature=0, response_mime_type="application/json"
)


def ask():
    return client.models.generate_content(
        model=MODEL,
        contents=[*pages, "Extract the vote counts of these count forms as JSON."],
        config=config,
    )


answer = ask()
try:
    json.loads(answer.text)
except (TypeError, ValueError) as error:
    fail(f"the answer's text is not JSON: {error}: {answer.text!r:.200}")
usage = answer.usage_metadata
if usage is None or not usage.prompt_token_count:
    fail(f"no promptTokenCount in the usage metadata: {usage}")
if usage.prompt_token_count < TILE_TOKENS * len(pages):
    fail(
        f"promptTokenCount {usage.prompt_token_count} counts fewer than "
        f"{TILE_TOKENS} tokens per page for {len(pages)} pages"
    )

for fault, want_quota in [
    ({"fault": "rate_limit", "retry_delay_ms": 1000}, "PerMinute"),
    ({"fault": "daily_quota"}, "PerDay"),
]:
    inject(fault)
    try:
        ask()
        fail(f"{fault['fault']}: the SDK raised nothing")
    except errors.ClientError as error:
        if error.code != 429:
            fail(f"{fault['fault']}: code {error.code}, not 429")
        found = detail_types(error)
        violations = found.get("QuotaFailure", {}).get("violations", [])
        quota_ids = [v.get("quotaId", "") for v in violations]
        if not any(want_quota in q for q in quota_ids):
            fail(f"{fault['fault']}: no {want_quota} quota in {quota_ids} ({error.details})")
        if fault["fault"] == "rate_limit" and "RetryInfo" not in found:
            fail(f"rate_limit: no RetryInfo in {error.details}")

inject({"fault": "contention"})
try:
    ask()
    fail("contention: the SDK raised nothing")
except errors.ClientError as error:
    if error.code != 429:
        fail(f"contention: code {error.code}, not 429")
    found = detail_types(error)
    if "QuotaFailure" in found or "RetryInfo" in found:
        fail(f"contention: a shared-pool 429 names a quota: {error.details}")

# Batches: short phases so the poll sees them pass.
admin("PATCH", "/_emulator/settings", {"batch": {"pending_ms": 300, "running_ms": 600}})
inline = [
    {
        "contents": [{"role": "user", "parts": [*pages, {"text": "Extract the vote counts as JSON."}]}],
        "config": {"temperature": 0, "response_mime_type": "application/json"},
        "metadata": {"key": key},
    }
    for key in ["first", "second"]
]
job = client.batches.create(model=MODEL, src=inline, config={"display_name": "sdk-check"})
if not job.name.startswith("batches/"):
    fail(f"batch name {job.name!r} is not batches/…")
seen = []
deadline = time.monotonic() + 30
while job.state is None or job.state.name not in (
    "JOB_STATE_SUCCEEDED", "JOB_STATE_FAILED", "JOB_STATE_CANCELLED", "JOB_STATE_EXPIRED"
):
    if time.monotonic() > deadline:
        fail(f"the batch did not finish within 30 s (states seen: {seen})")
    seen.append(job.state.name if job.state else None)
    time.sleep(0.1)
    job = client.batches.get(name=job.name)
if job.state.name != "JOB_STATE_SUCCEEDED":
    fail(f"the batch ended {job.state.name}")
if "JOB_STATE_PENDING" not in seen or "JOB_STATE_RUNNING" not in seen:
    fail(f"the poll did not see pending and running: {seen}")
answers = job.dest.inlined_responses if job.dest else None
if not answers or len(answers) != 2:
    fail(f"expected two inlined responses, got {answers!r:.300}")
for want, answer in zip(["first", "second"], answers):
    if (answer.metadata or {}).get("key") != want:
        fail(f"an answer is keyed {answer.metadata}, not {want!r}")
    if answer.error is not None or answer.response is None:
        fail(f"{want}: the request failed: {answer.error}")
    try:
        json.loads(answer.response.text)
    except (TypeError, ValueError) as error:
        fail(f"{want}: the answer's text is not JSON: {error}")
listed = [b.name for b in client.batches.list(config={"page_size": 10})]
if job.name not in listed:
    fail(f"{job.name} is not listed: {listed}")

admin("PATCH", "/_emulator/settings", {"batch": {"pending_ms": 3600000}})
slow = client.batches.create(model=MODEL, src=inline[:1], config={"display_name": "sdk-cancel"})
client.batches.cancel(name=slow.name)
slow = client.batches.get(name=slow.name)
if slow.state.name != "JOB_STATE_CANCELLED":
    fail(f"a cancelled batch is {slow.state.name}")
client.batches.delete(name=slow.name)
try:
    client.batches.get(name=slow.name)
    fail("a deleted batch is still there")
except errors.ClientError as error:
    if error.code != 404:
        fail(f"a deleted batch: code {error.code}, not 404")

print("sdk-check: ok")
