#!/usr/bin/env bash
# Reads the action's inputs (INPUT_* variables), refuses contradictory or malformed
# ones with a message naming the input, and decides how this job runs:
#   mode            endpoint (an existing tally) or self-contained (started here)
#   emulate         true when the workers answer from gemini-emulator (a dry run)
#   skip            true when the secrets the mode needs are missing on a fork's pull
#                   request (nothing to fail: the fork cannot see them)
#   pull-request    the pull request's number on pull_request events, else empty
#   comment         true when a pull-request comment is to be written
#   build, cache-key   whether to cargo-build the binaries, and their cache key
#   baseline-key    what a baseline must have been run with (preset or file name)
# and saves the inputs but the secrets, and these decisions, for the later steps
# (lib/common.sh: load_settings).
set -euo pipefail
# shellcheck source=action/lib/common.sh
source "$(dirname "$0")/lib/common.sh"

fail() { error "$*"; exit 1; }

[ -n "${INPUT_DATASET:-}" ] || fail "input dataset: required"

sources=0
for value in "${INPUT_MODELS:-}" "${INPUT_MODELS_FILE:-}"; do
  [ -z "$value" ] || sources=$((sources + 1))
done
[ "$sources" -le 1 ] || fail "inputs models and models-file: give one of them, not both"
if [ -n "${INPUT_MODELS:-}" ]; then
  jq -e 'type == "array" and length > 0' <<<"$INPUT_MODELS" >/dev/null 2>&1 \
    || fail "input models: expected a JSON list of model configurations, got: $INPUT_MODELS"
elif [ -n "${INPUT_MODELS_FILE:-}" ]; then
  [ -f "$INPUT_MODELS_FILE" ] || fail "input models-file: no file $INPUT_MODELS_FILE (relative to $PWD)"
  jq -e 'type == "array" and length > 0' "$INPUT_MODELS_FILE" >/dev/null 2>&1 \
    || fail "input models-file: $INPUT_MODELS_FILE is not a JSON list of model configurations"
elif [ -z "${INPUT_PRESET:-}" ]; then
  fail "inputs preset, models, models-file: one of them is required"
fi

for input in SAMPLE_SIZE JOBS WORKERS TIMEOUT_MINUTES; do
  name="INPUT_$input" value="${!name:-}"
  if [ -n "$value" ] && ! [[ "$value" =~ ^[1-9][0-9]*$ ]]; then
    fail "input $(tr 'A-Z_' 'a-z-' <<<"$input"): expected a whole number of at least 1, got \"$value\""
  fi
done
if [ -n "${INPUT_THRESHOLD:-}" ] \
  && ! jq -en --arg t "$INPUT_THRESHOLD" '$t | tonumber | . >= 0 and . <= 1' >/dev/null 2>&1; then
  fail "input threshold: expected a number from 0 to 1, got \"$INPUT_THRESHOLD\""
fi
case "${INPUT_EXECUTION_MODE:-}" in
  "" | online | batch) ;;
  *) fail "input execution-mode: expected online or batch, got \"$INPUT_EXECUTION_MODE\"" ;;
esac

# On a pull request from a fork, repository secrets are not given to the job.
event_name="${GITHUB_EVENT_NAME:-}"
pull_request=""
fork=false
if [[ "$event_name" == pull_request* ]] && [ -f "${GITHUB_EVENT_PATH:-}" ]; then
  pull_request=$(jq -r '.pull_request.number // empty' "$GITHUB_EVENT_PATH")
  fork=$(jq -r '(.pull_request.head.repo.full_name // "") != (.repository.full_name // "")' "$GITHUB_EVENT_PATH")
fi

mode="${INPUT_MODE:-auto}"
case "$mode" in
  auto) if [ -n "${INPUT_API_URL:-}" ]; then mode=endpoint; else mode=self-contained; fi ;;
  endpoint | self-contained) ;;
  *) fail "input mode: expected auto, endpoint or self-contained, got \"$mode\"" ;;
esac

missing=""
emulate=false
if [ "$mode" = endpoint ]; then
  [ -n "${INPUT_API_URL:-}" ] || missing="api-url"
  [ -n "${INPUT_API_KEY:-}" ] || missing="${missing:+$missing and }api-key"
elif [ -z "${INPUT_GEMINI_API_KEY:-}" ] && [ -z "${GEMINI_BACKEND:-}" ]; then
  if [ "${INPUT_DRY_RUN_WITHOUT_KEY:-true}" = true ]; then
    emulate=true
  else
    missing="gemini-api-key"
  fi
fi

skip=false
if [ -n "$missing" ]; then
  if [ "$fork" = true ]; then
    skip=true
    {
      echo "## tally: skipped"
      echo
      echo "This pull request comes from a fork, and GitHub does not give a fork's pull"
      echo "requests the repository's secrets: without $missing there is nothing to run"
      echo "the experiments on. A maintainer can run them from a branch of this repository."
    } >"$(state_dir)/skipped.md"
    add_summary "$(state_dir)/skipped.md"
    notice "tally skipped: $missing not available to a fork's pull request"
  else
    fail "input $missing: required in $mode mode (pass it from the repository's secrets)"
  fi
fi

comment=false
case "${INPUT_COMMENT:-auto}" in
  auto) [ -n "$pull_request" ] && comment=true ;;
  never) ;;
  *) fail "input comment: expected auto or never, got \"$INPUT_COMMENT\"" ;;
esac

build=true
cache_key=""
if [ -n "${INPUT_TALLY_BIN_DIR:-}" ]; then
  build=false
  for binary in tally $([ "$mode" = self-contained ] && echo tally-api tally-worker gemini-emulator); do
    [ -x "$INPUT_TALLY_BIN_DIR/$binary" ] || fail "input tally-bin-dir: no executable $INPUT_TALLY_BIN_DIR/$binary"
  done
elif [ "$skip" = false ]; then
  toolchain=$(rustc -V 2>/dev/null || echo "no rustc")
  lock_hash=$( { cat "$ACTION_ROOT/Cargo.lock"; echo "$toolchain"; } | sha256sum | cut -c1-16)
  cache_key="tally-action-${RUNNER_OS:-$(uname -s)}-${INPUT_CARGO_PROFILE:-release}-$mode-$lock_hash"
fi

baseline_key="${INPUT_BASELINE_KEY:-}"
if [ -z "$baseline_key" ]; then
  if [ -n "${INPUT_MODELS_FILE:-}" ]; then baseline_key="$INPUT_MODELS_FILE"
  elif [ -n "${INPUT_MODELS:-}" ]; then baseline_key="models"
  else baseline_key="$INPUT_PRESET"; fi
fi

rm -f "$(settings_file)"
for input in DATASET PRESET MODELS MODELS_FILE SAMPLE_SIZE THRESHOLD PROJECT_NAME EXECUTION_MODE \
  API_URL DATA_DIR WORKERS JOBS TIMEOUT_MINUTES COMMENT_KEY FAILURE_ISSUE FAIL_ON_THRESHOLD \
  CARGO_PROFILE; do
  name="INPUT_$input"
  save_setting "$name" "${!name:-}"
done
# A models file is read by later steps from wherever they run.
[ -z "${INPUT_MODELS_FILE:-}" ] || save_setting INPUT_MODELS_FILE "$(cd "$(dirname "$INPUT_MODELS_FILE")" && pwd)/$(basename "$INPUT_MODELS_FILE")"
save_setting MODELS_FILE_NAME "${INPUT_MODELS_FILE:-}"
save_setting MODE "$mode"
save_setting EMULATE "$emulate"
save_setting PULL_REQUEST "$pull_request"
save_setting BASELINE_KEY "$baseline_key"
[ "$mode" = endpoint ] && save_setting TALLY_API_URL "${INPUT_API_URL:-}"
[ -z "${INPUT_TALLY_BIN_DIR:-}" ] || save_setting TALLY_BIN_DIR "$(cd "$INPUT_TALLY_BIN_DIR" && pwd)"
echo "tally action: $mode mode$([ "$emulate" = true ] && echo ", dry run against gemini-emulator")" >&2

set_output mode "$mode"
set_output emulate "$emulate"
set_output skip "$skip"
set_output pull-request "$pull_request"
set_output comment "$comment"
set_output build "$build"
set_output cache-key "$cache_key"
set_output baseline-key "$baseline_key"
if [ "$skip" = true ]; then
  set_output verdict skipped
fi
