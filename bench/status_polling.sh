#!/usr/bin/env bash
# Status-polling latency under load: while a run executes on the system that
# scripts/demo.sh started, wrk polls the run's status URL with many connections and
# reports the latency distribution. Needs `wrk` (Debian package wrk; installed here
# when missing and run as root).
#
#   bash scripts/demo.sh && bash bench/status_polling.sh
#
# Settings: CONNECTIONS (64), DURATION in seconds (15), TALLY_DEMO_API_PORT (8000).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/ensure.sh
command -v wrk >/dev/null 2>&1 || apt_install wrk

port="${TALLY_DEMO_API_PORT:-8000}"
connections="${CONNECTIONS:-64}"
seconds="${DURATION:-15}"
key_file=.tally/demo/api-key
[ -s "$key_file" ] || { echo "start the system first: bash scripts/demo.sh" >&2; exit 1; }
export TALLY_API_URL="http://127.0.0.1:$port" TALLY_API_KEY="$(cat "$key_file")"

# A run that lasts longer than the measurement: every record, three experiments.
run_id=$(target/debug/tally run --preset temperature --dataset vote-extraction-bangbamru-1-10 \
  --no-raise-errors | head -1)
echo "polling run $run_id with $connections connections for ${seconds}s" >&2
wrk -t2 -c"$connections" -d"${seconds}s" --latency -H "X-API-Key: $TALLY_API_KEY" \
  "$TALLY_API_URL/api/v1/experiments/runs/$run_id"
target/debug/tally status "$run_id" | head -1
