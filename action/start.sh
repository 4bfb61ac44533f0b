#!/usr/bin/env bash
# Self-contained mode: starts tally inside the job — Redis (reused when one answers
# at TALLY_REDIS_URL, else installed with apt if missing and started), gemini-emulator
# when EMULATE is true, tally-api and INPUT_WORKERS tally-workers on free loopback
# ports, all in a Redis namespace of their own — then imports the dataset.
# stop.sh stops whatever this started. Saves TALLY_API_URL and TALLY_API_KEY (a key
# made up for this job: the API listens on loopback only).
set -euo pipefail
# shellcheck source=action/lib/common.sh
source "$(dirname "$0")/lib/common.sh"
load_settings
# shellcheck source=scripts/lib/ensure.sh
source "$ACTION_ROOT/scripts/lib/ensure.sh"
# shellcheck source=scripts/lib/daemons.sh
source "$ACTION_ROOT/scripts/lib/daemons.sh"
require TALLY_BIN_DIR EMULATE INPUT_DATASET

state=$(state_dir)
DAEMON_STATE="$state/daemons"
mkdir -p "$DAEMON_STATE"
data_dir=$(cd "${INPUT_DATA_DIR:-$ACTION_ROOT/datasets}" && pwd)
bin=$TALLY_BIN_DIR

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# Redis: note whether this job started it, so stop.sh only stops its own.
if redis_answers; then
  echo "using the Redis that answers at $TALLY_REDIS_URL" >&2
else
  (cd "$DAEMON_STATE" && ensure_redis)
  echo "$TALLY_REDIS_URL" >"$DAEMON_STATE/redis-started"
fi

api_port=$(free_port)
api_key="action-$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')"
mask "$api_key"
namespace="tally-action-$(od -An -N6 -tx1 /dev/urandom | tr -d ' \n')"
echo "$namespace" >"$DAEMON_STATE/namespace"
export TALLY_REDIS_URL TALLY_NAMESPACE="$namespace" TALLY_DATA_DIR="$data_dir"
export TALLY_PUBLIC_URL="http://127.0.0.1:$api_port"

if [ "$EMULATE" = true ]; then
  emulator_port=$(free_port)
  start_daemon emulator env EMULATOR_LISTEN="127.0.0.1:$emulator_port" EMULATOR_DATASETS="$data_dir" \
    "$bin/gemini-emulator"
  wait_http "$emulator_port" /_emulator/stats gemini-emulator
  # Answers come from the dataset index, built in the background: wait for it.
  for _ in $(seq 300); do
    curl -fsS "http://127.0.0.1:$emulator_port/_emulator/stats" | jq -e '.index.ready' >/dev/null 2>&1 && break
    sleep 0.2
  done
  worker_gemini=(GEMINI_BASE_URL="http://127.0.0.1:$emulator_port" GEMINI_API_KEY=emulator-key)
  notice "dry run: the experiments run against gemini-emulator, not Gemini (no gemini-api-key given)"
elif [ -n "${INPUT_GEMINI_API_KEY:-}" ]; then
  mask "$INPUT_GEMINI_API_KEY"
  worker_gemini=(GEMINI_API_KEY="$INPUT_GEMINI_API_KEY")
else
  worker_gemini=() # GEMINI_BACKEND and its settings come from the job's environment
fi

start_daemon api env TALLY_LISTEN="127.0.0.1:$api_port" TALLY_API_KEYS="action:$api_key" "$bin/tally-api"
for n in $(seq "${INPUT_WORKERS:-2}"); do
  start_daemon "worker-$n" env "${worker_gemini[@]}" TALLY_WORKER_NAME="action-worker-$n-$$" \
    "$bin/tally-worker"
done
wait_http "$api_port" /readyz tally-api

api_url="http://127.0.0.1:$api_port"
TALLY_API_URL=$api_url TALLY_API_KEY=$api_key tally dataset import "$INPUT_DATASET" >&2

save_setting TALLY_API_URL "$api_url"
save_setting TALLY_API_KEY "$api_key"
chmod 600 "$(settings_file)"
