"""Google's own SDK (google-genai) against gemini-emulator.

Run by run.sh with GEMINI_EMULATOR_ORIGIN pointing at a running emulator that answers
the sample dataset. Through the SDK's public API it asks for the extraction of one
record's pages and requires:

- a 200 the SDK parses, with JSON text and usage metadata that counts the pages'
  image tiles as input tokens (the emulator's input-token quota counts the same);
- a per-minute quota 429 the SDK raises as a ClientError with code 429 and, in its
  details, a QuotaFailure naming an input-token or request quota and a RetryInfo;
- a per-day quota 429 whose QuotaFailure names the per-day quota;
- a contention 429 (Vertex's shared pool) with no QuotaFailure and no RetryInfo.

Any SDK error or mismatch fails the check with a message on stderr and exit status 1.
"""

import json
import os
import sys
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


def inject(fault):
    body = json.dumps({"faults": [fault]}).encode()
    request = urllib.request.Request(
        f"{ORIGIN}/_emulator/faults",
        data=body,
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    urllib.request.urlopen(request, timeout=5).read()


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

print("sdk-check: ok")
