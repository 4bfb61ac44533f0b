# shellcheck shell=bash
# What every script of the action shares: where its files go, how it sets a step
# output, and how it talks to the GitHub log and job summary. Each helper also works
# outside GitHub Actions (outputs and the summary then go to standard error), so the
# scripts run the same on a laptop and in the tests.
# Sourced by action/*.sh; needs bash 4+, jq.

# The repository root: the action's own checkout.
export ACTION_ROOT
ACTION_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"

# The folder of this job's files: the request, results, comparison, comment, daemon
# logs. INPUT_OUTPUT_DIR, or a folder under the runner's temp directory.
state_dir() {
  local dir="${INPUT_OUTPUT_DIR:-${RUNNER_TEMP:-${TMPDIR:-/tmp}}/tally-action}"
  mkdir -p "$dir"
  (cd "$dir" && pwd)
}

# The job's settings: check-inputs.sh saves the inputs (all but the secrets) and
# what it decided, build.sh and start.sh add theirs; every later step loads them, so
# a step of action.yml passes only INPUT_OUTPUT_DIR and the secrets it uses.
settings_file() { echo "$(state_dir)/settings.env"; }

# save_setting NAME VALUE — saved for later steps, and set in this one.
save_setting() {
  printf 'export %s=%q\n' "$1" "$2" >>"$(settings_file)"
  export "$1=$2"
}

load_settings() {
  local file; file=$(settings_file)
  if [ ! -f "$file" ]; then
    error "no settings in $file: action/check-inputs.sh runs first"
    return 1
  fi
  # shellcheck source=/dev/null
  source "$file"
  # The CLI reads these; in endpoint mode the key is a secret each step passes.
  export TALLY_API_KEY="${TALLY_API_KEY:-${INPUT_API_KEY:-}}"
}

# set_output NAME VALUE — a step output (multi-line values allowed).
set_output() {
  local name=$1 value=$2
  if [ -n "${GITHUB_OUTPUT:-}" ]; then
    local delimiter="tally_${RANDOM}_${RANDOM}_${RANDOM}"
    printf '%s<<%s\n%s\n%s\n' "$name" "$delimiter" "$value" "$delimiter" >>"$GITHUB_OUTPUT"
  else
    printf 'output %s=%s\n' "$name" "$value" >&2
  fi
}

# add_summary FILE — appends FILE (Markdown) to the job summary.
add_summary() {
  if [ -n "${GITHUB_STEP_SUMMARY:-}" ]; then
    cat "$1" >>"$GITHUB_STEP_SUMMARY"
  else
    echo "job summary:" >&2
    cat "$1" >&2
  fi
}

# Workflow commands: annotations in the log and on the run page. The runner reads
# them from standard error too, which keeps standard output for data.
notice() { echo "::notice::$*" >&2; }
warning() { echo "::warning::$*" >&2; }
error() { echo "::error::$*" >&2; }

# mask VALUE — keeps a secret out of the log.
mask() { [ -z "$1" ] || echo "::add-mask::$1" >&2; }

# The tally CLI: from TALLY_BIN_DIR (input tally-bin-dir, or what build.sh built).
tally() { "${TALLY_BIN_DIR:?no TALLY_BIN_DIR: build.sh runs first}/tally" "$@"; }

# require VAR… — fails naming the first variable that is empty.
require() {
  local name
  for name in "$@"; do
    if [ -z "${!name:-}" ]; then
      error "$name is not set"
      return 1
    fi
  done
}

# api_get PATH — GET a tally API route the CLI has no command for (JSON on stdout).
api_get() {
  curl -fsS --max-time 60 -H "X-API-Key: $TALLY_API_KEY" "${TALLY_API_URL%/}$1"
}
