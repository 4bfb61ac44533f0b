#!/usr/bin/env bash
# Checks datadog-emulator against Datadog's own Python SDK: ddtrace (pinned in
# requirements.txt, installed into a venv this script makes and reuses) creates a
# dataset, pulls it, runs an experiment and pulls it back through the emulator
# (check.py says what is required).
#
# Environment:
#   DATADOG_EMULATOR_BIN  the emulator binary (default: built with cargo)
#   DDTRACE_VENV          where the venv lives (default: target/tmp/ddtrace-venv)
#
# The venv is made by venv.sh. The check itself runs in a private network namespace when the machine
# allows one (loopback only), so the SDK cannot reach anything but the emulator.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../../.." && pwd)"

if [ "${1:-}" != "--isolated" ]; then
  python="$(bash "$here/venv.sh")"
  if [ -z "${DATADOG_EMULATOR_BIN:-}" ]; then
    cargo build --quiet -p datadog-emulator --manifest-path "$repo/Cargo.toml"
    DATADOG_EMULATOR_BIN="$repo/target/debug/datadog-emulator"
  fi
  export DATADOG_EMULATOR_BIN DDTRACE_PYTHON="$python"
  if unshare --net true 2>/dev/null; then
    exec unshare --net bash "$0" --isolated
  fi
  echo "sdk-check: no private network namespace here; running on the host's loopback" >&2
fi

if [ "${1:-}" = "--isolated" ]; then
  ip link set lo up
fi

python="$DDTRACE_PYTHON"
port="$("$python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
origin="http://127.0.0.1:$port"
api_key="sdk-check-api-key"
app_key="sdk-check-app-key"

log="$(mktemp)"
EMULATOR_LISTEN="127.0.0.1:$port" EMULATOR_API_KEYS="$api_key" EMULATOR_APP_KEYS="$app_key" \
  EMULATOR_PAGE_SIZE=2 RUST_LOG=warn "$DATADOG_EMULATOR_BIN" 2>"$log" &
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

source "$here/sdk-env.sh"
env DD_LLMOBS_OVERRIDE_ORIGIN="$origin" DD_API_KEY="$api_key" DD_APP_KEY="$app_key" \
  DD_LLMOBS_ML_APP=sdk-check DD_LLMOBS_PROJECT_NAME=sdk-check \
  "$python" "$here/check.py" || {
    echo "sdk-check: emulator log:" >&2
    cat "$log" >&2
    "$python" -c "import json, sys, urllib.request; [print(json.dumps(r), file=sys.stderr) for r in json.load(urllib.request.urlopen(sys.argv[1] + '/_emulator/requests?limit=10'))['requests'] if r['status'] >= 400]" "$origin" || true
    exit 1
  }
