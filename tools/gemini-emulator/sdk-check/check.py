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
- a second batch cancelled while pending, then deleted;
- a JSONL file of three keyed requests uploaded (files.upload, mime type jsonl),
  read back, a batch created from it by file name and polled to success, its
  responses file downloaded (files.download) with exactly one JSON answer per key;
  the uploaded file refused for download (only generated files can be); both
  files listed, deleted and gone;
- a file larger than one of the SDK's upload chunks (8 MiB) uploaded in as many
  `upload` commands as it has chunks (the emulator counts them: every chunk but
  the last a multiple of its 256 KiB granularity), holding exactly those bytes.

Any SDK error or mismatch fails the check with a message on stderr and exit status 1.
"""

import base64
import hashlib
import io
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


def stats():
    return json.loads(urllib.request.urlopen(f"{ORIGIN}/_emulator/stats", timeout=5).read())


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


def wait_for(job):
    """Polls `job` until it is final; requires that it passed pending and running
    and succeeded."""
    if not job.name.startswith("batches/"):
        fail(f"batch name {job.name!r} is not batches/…")
    seen = []
    deadline = time.monotonic() + 30
    while job.state is None or job.state.name not in (
        "JOB_STATE_SUCCEEDED", "JOB_STATE_FAILED", "JOB_STATE_CANCELLED", "JOB_STATE_EXPIRED"
    ):
        if time.monotonic() > deadline:
            fail(f"{job.name} did not finish within 30 s (states seen: {seen})")
        seen.append(job.state.name if job.state else None)
        time.sleep(0.1)
        job = client.batches.get(name=job.name)
    if job.state.name != "JOB_STATE_SUCCEEDED":
        fail(f"{job.name} ended {job.state.name}")
    if "JOB_STATE_PENDING" not in seen or "JOB_STATE_RUNNING" not in seen:
        fail(f"the poll of {job.name} did not see pending and running: {seen}")
    return job


job = wait_for(client.batches.create(model=MODEL, src=inline, config={"display_name": "sdk-check"}))
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

# Batches from a file: a JSONL input uploaded through the Files API, the answers in a
# responses file the batch generates.
admin("PATCH", "/_emulator/settings", {"batch": {"pending_ms": 300, "running_ms": 600}})
keys = ["file-first", "file-second", "file-third"]
lines = "".join(
    json.dumps(
        {
            "key": key,
            "request": {
                "contents": [
                    {
                        "role": "user",
                        "parts": [
                            *[
                                {"inlineData": {"mimeType": "image/png", "data": base64.b64encode(page.inline_data.data).decode()}}
                                for page in pages
                            ],
                            {"text": "Extract the vote counts as JSON."},
                        ],
                    }
                ],
                "generationConfig": {"temperature": 0, "responseMimeType": "application/json"},
            },
        }
    )
    + "\n"
    for key in keys
)
uploaded = client.files.upload(
    file=io.BytesIO(lines.encode()),
    config={"mime_type": "jsonl", "display_name": "sdk-check-input"},
)
if not uploaded.name or not uploaded.name.startswith("files/"):
    fail(f"the uploaded file's name {uploaded.name!r} is not files/…")
if uploaded.size_bytes != len(lines.encode()):
    fail(f"the uploaded file has {uploaded.size_bytes} bytes, not {len(lines.encode())}")
if uploaded.display_name != "sdk-check-input":
    fail(f"the uploaded file is called {uploaded.display_name!r}")
again = client.files.get(name=uploaded.name)
if again.name != uploaded.name or again.state is None or again.state.name != "ACTIVE":
    fail(f"files.get answered {again!r:.300}")
from_file = wait_for(client.batches.create(model=MODEL, src=uploaded.name, config={"display_name": "sdk-file"}))
responses_file = from_file.dest.file_name if from_file.dest else None
if not responses_file:
    fail(f"a batch from a file has no responses file: {from_file.dest!r:.300}")
if from_file.dest.inlined_responses:
    fail("a batch from a file answered inline")
found = {}
for line in client.files.download(file=responses_file).decode().splitlines():
    if not line.strip():
        continue
    answer = json.loads(line)
    key = answer.get("key")
    if key in found:
        fail(f"the responses file answers {key!r} twice")
    parsed = types.GenerateContentResponse._from_response(response=answer["response"], kwargs={})
    try:
        json.loads(parsed.text)
    except (KeyError, TypeError, ValueError) as error:
        fail(f"{key}: the answer's text is not JSON: {error}")
    found[key] = parsed
if sorted(found) != sorted(keys):
    fail(f"the responses file answers {sorted(found)}, not {sorted(keys)}")
try:
    client.files.download(file=uploaded.name)
    fail("an uploaded file could be downloaded")
except errors.ClientError as error:
    if error.code != 400:
        fail(f"downloading an uploaded file: code {error.code}, not 400")
listed = {f.name for f in client.files.list(config={"page_size": 1})}
if not {uploaded.name, responses_file} <= listed:
    fail(f"files.list misses {uploaded.name} or {responses_file}: {sorted(listed)}")
for name in (uploaded.name, responses_file):
    client.files.delete(name=name)
    try:
        client.files.get(name=name)
        fail(f"the deleted {name} is still there")
    except errors.ClientError as error:
        if error.code not in (403, 404):
            fail(f"a deleted file: code {error.code}, not 403")
left = {f.name for f in client.files.list()}
if left & {uploaded.name, responses_file}:
    fail(f"deleted files are still listed: {sorted(left)}")

# A file over one of the SDK's chunks: several `upload` commands at growing
# offsets, the last finalizing, each accepted by the emulator's strict checks.
SDK_CHUNK = 8 * 1024 * 1024
large = (lines * (SDK_CHUNK // len(lines) + 2)).encode()
before = stats()["files"]["upload_chunks"]
uploaded = client.files.upload(
    file=io.BytesIO(large),
    config={"mime_type": "jsonl", "display_name": "sdk-check-large"},
)
chunks = stats()["files"]["upload_chunks"] - before
if chunks != -(-len(large) // SDK_CHUNK) or chunks < 2:
    fail(f"{len(large)} bytes were uploaded in {chunks} chunks")
if uploaded.size_bytes != len(large):
    fail(f"the large file has {uploaded.size_bytes} bytes, not {len(large)}")
if uploaded.sha256_hash != base64.b64encode(hashlib.sha256(large).digest()).decode():
    fail(f"the large file's hash {uploaded.sha256_hash!r} is not the bytes sent")
client.files.delete(name=uploaded.name)

print("sdk-check: ok")
