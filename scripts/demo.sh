#!/usr/bin/env bash
# Starts the whole system on this machine — Redis (if none answers), gemini-emulator,
# datadog-emulator, tally-api, two tally-workers and tally-scheduler — imports the
# sample dataset, runs the "Baseline Comparison" preset end to end with live
# progress, prints the results table, waits for the run's export to Datadog (the
# emulator) and prints its link, and leaves everything running.
# `bash scripts/stop.sh` stops it.
#
# Offline: the workers call gemini-emulator, so every answer is emulated (and marked
# so), and export to datadog-emulator. Settings: TALLY_DEMO_API_PORT (8000),
# TALLY_DEMO_EMULATOR_PORT (8090), TALLY_DEMO_DATADOG_PORT (8091),
# TALLY_REDIS_URL (redis://127.0.0.1:6379), TALLY_NAMESPACE (tally).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/ensure.sh
source scripts/lib/daemons.sh

api_port="${TALLY_DEMO_API_PORT:-8000}"
emulator_port="${TALLY_DEMO_EMULATOR_PORT:-8090}"
datadog_port="${TALLY_DEMO_DATADOG_PORT:-8091}"
state=.tally/demo
DAEMON_STATE=$state
bin=target/debug

ensure_redis
ensure_thai_fonts
ensure_tesseract
echo "building (cargo build --locked)…" >&2
cargo build --locked --bins -q

bash scripts/stop.sh >/dev/null 2>&1 || true
mkdir -p "$state"
key_file="$state/api-key"
[ -s "$key_file" ] || printf 'demo-%s\n' "$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')" > "$key_file"
api_key="$(cat "$key_file")"

export TALLY_REDIS_URL TALLY_DATA_DIR="$PWD/datasets"
export TALLY_PUBLIC_URL="http://localhost:$api_port"
# Both tally and datadog-emulator know these demo keys; real ones come from Datadog.
export DD_API_KEY=demo-dd-api-key DD_APP_KEY=demo-dd-app-key
export DD_LLMOBS_OVERRIDE_ORIGIN="http://127.0.0.1:$datadog_port"

start_daemon emulator env EMULATOR_LISTEN="127.0.0.1:$emulator_port" EMULATOR_DATASETS="$PWD/datasets" \
  "$bin/gemini-emulator"
start_daemon datadog env EMULATOR_LISTEN="127.0.0.1:$datadog_port" EMULATOR_API_KEYS="$DD_API_KEY" \
  EMULATOR_APP_KEYS="$DD_APP_KEY" "$bin/datadog-emulator"
start_daemon api env TALLY_LISTEN="127.0.0.1:$api_port" TALLY_API_KEYS="demo:$api_key" "$bin/tally-api"
for n in 1 2; do
  start_daemon "worker-$n" env GEMINI_BASE_URL="http://127.0.0.1:$emulator_port" GEMINI_API_KEY=emulator-key \
    TALLY_WORKER_NAME="demo-worker-$n-$$" TALLY_METRICS_LISTEN="127.0.0.1:$((9100 + 2 * n - 1))" \
    "$bin/tally-worker"
done
start_daemon scheduler env TALLY_METRICS_LISTEN="127.0.0.1:9102" "$bin/tally-scheduler"

wait_http "$emulator_port" /_emulator/stats gemini-emulator
wait_http "$datadog_port" /_emulator/stats datadog-emulator
wait_http "$api_port" /readyz tally-api

export TALLY_API_URL="http://127.0.0.1:$api_port" TALLY_API_KEY="$api_key"
"$bin/tally" dataset import vote-extraction-bangbamru-1-10
set +e
"$bin/tally" run --preset baseline --dataset vote-extraction-bangbamru-1-10 --no-raise-errors --wait
status=$?
set -e

# The export runs beside the run: wait (bounded) for the run's Datadog link.
ensure_action_tools  # jq and curl
run_id=$(curl -fsS -H "X-API-Key: $api_key" "http://127.0.0.1:$api_port/api/v1/experiments/runs?limit=1" | jq -r '.runs[0].run_id')
datadog_url=""
for _ in $(seq 1 60); do
  datadog_url=$(curl -fsS -H "X-API-Key: $api_key" "http://127.0.0.1:$api_port/api/v1/experiments/runs/$run_id" \
    | jq -r '.result.experiments[0].datadog_experiment_url // empty')
  [ -n "$datadog_url" ] && break
  sleep 1
done
datadog_id="${datadog_url##*/}"

cat <<INFO

tally is running (stop it with: bash scripts/stop.sh)
  web UI        http://localhost:$api_port/ui/   (API key: $api_key)
  API docs      http://localhost:$api_port/docs
  API metrics   http://localhost:$api_port/metrics
  workers       http://127.0.0.1:9101/metrics, http://127.0.0.1:9103/metrics
  scheduler     http://127.0.0.1:9102/metrics
  emulator      http://127.0.0.1:$emulator_port/_emulator/stats
  Datadog       ${datadog_url:-(not exported yet)}
                offline copy: http://127.0.0.1:$datadog_port/_emulator/spans?experiment_id=$datadog_id
  logs          $state/*.log
  CLI           export TALLY_API_URL=http://127.0.0.1:$api_port TALLY_API_KEY=$api_key
                $bin/tally list
INFO
exit "$status"
