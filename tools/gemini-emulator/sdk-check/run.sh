#!/usr/bin/env bash
# Checks gemini-emulator against Google's own Python SDK: google-genai (pinned in
# requirements.txt, installed into a venv this script makes and reuses) asks for an
# extraction, meets the emulator's quota and contention 429s, and runs a batch
# through its states (check.py says what is required).
#
# Environment:
#   GEMINI_EMULATOR_BIN  the emulator binary (default: built with cargo)
#   GENAI_VENV           where the venv lives (default: target/tmp/genai-venv)
#
# The venv is made by `scripts/lib/pinned_venv.sh`, once (this needs PyPI), and reused
# while it was made from the same requirements.txt.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../../.." && pwd)"
python="$(bash "$repo/scripts/lib/pinned_venv.sh" "$here/requirements.txt" \
  "${GENAI_VENV:-$repo/target/tmp/genai-venv}")"
if [ -z "${GEMINI_EMULATOR_BIN:-}" ]; then
  cargo build --quiet -p gemini-emulator --manifest-path "$repo/Cargo.toml"
  GEMINI_EMULATOR_BIN="$repo/target/debug/gemini-emulator"
fi

port="$("$python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
origin="http://127.0.0.1:$port"
api_key="sdk-check-api-key"

log="$(mktemp)"
EMULATOR_LISTEN="127.0.0.1:$port" EMULATOR_API_KEYS="$api_key" \
  EMULATOR_DATASETS="$repo/datasets" RUST_LOG=warn "$GEMINI_EMULATOR_BIN" 2>"$log" &
emulator=$!
trap 'kill "$emulator" 2>/dev/null; wait "$emulator" 2>/dev/null; rm -f "$log"' EXIT

"$python" - "$origin" <<'PY' || { cat "$log" >&2; exit 1; }
import sys, time, urllib.request
deadline = time.monotonic() + 20
while True:
    try:
        urllib.request.urlopen(sys.argv[1] + "/_emulator/stats", timeout=1).read()
        break
    except OSError:
        if time.monotonic() > deadline:
            sys.exit("sdk-check: the emulator did not answer within 20 s")
        time.sleep(0.05)
PY

GEMINI_EMULATOR_ORIGIN="$origin" GEMINI_API_KEY="$api_key" \
  GEMINI_EMULATOR_DATASET="$repo/datasets/vote-extraction-bangbamru-1-10" \
  "$python" "$here/check.py" || {
    echo "sdk-check: emulator log:" >&2
    cat "$log" >&2
    exit 1
  }
