#!/usr/bin/env bash
# Runs one configuration of this job on tally and waits for it: LABEL is "run" (the
# job's configuration, held to INPUT_THRESHOLD) or "baseline" (the base branch's, on
# a pull request in self-contained mode). Needs TALLY_API_URL and TALLY_API_KEY.
#
# The run is submitted twice with one Idempotency-Key: the first call (no --wait)
# answers the run id at once, the second returns that same run and waits for it,
# leaving `tally run`'s exit status (2: the run did not succeed, 3: a threshold was
# missed) and its JSON result as they are.
#
# Writes $(state_dir)/LABEL-result.json (the ExperimentResponse) and LABEL-run.json
# (run id, verdict, exit status). A run that cannot be submitted is verdict "error",
# not a failed step, so that the summary, notices and stop.sh still run. Outputs:
# run-id, verdict (passed, below-threshold, failed, error), accuracy (a JSON object:
# experiment name → overall_accuracy), result-path.
set -euo pipefail
# shellcheck source=action/lib/common.sh
source "$(dirname "$0")/lib/common.sh"
load_settings
label=${1:?usage: run.sh run|baseline}
require TALLY_API_URL TALLY_API_KEY

state=$(state_dir)
result="$state/$label-result.json"
rm -f "$result" "$state/$label-run.json"

record() { # record RUN_ID VERDICT STATUS — for the later steps
  jq -n --arg run_id "$1" --arg verdict "$2" --argjson status "$3" \
    '{run_id: (if $run_id == "" then null else $run_id end), verdict: $verdict, exit_status: $status}' \
    >"$state/$label-run.json"
  set_output run-id "$1"
  set_output verdict "$2"
}

if ! request=$("$(dirname "$0")/request.sh" "$label"); then
  record "" error 1
  exit 0
fi

# One key per job attempt and configuration: a re-run of the job makes a new run.
context="${GITHUB_REPOSITORY:-local}/${GITHUB_RUN_ID:-$$.$RANDOM}/${GITHUB_RUN_ATTEMPT:-1}/${GITHUB_JOB:-}/$label"
key="gha-$( { echo "$context"; cat "$request"; } | sha256sum | cut -c1-40)"

if ! accepted=$(tally run --request "$request" --idempotency-key "$key" --output json); then
  error "$label: tally refused the run or could not be reached (see above)"
  record "" error 1
  exit 0
fi
run_id=$(jq -r '.run_id' <<<"$accepted")
echo "$label: run $run_id submitted" >&2

args=(run --request "$request" --idempotency-key "$key" --wait --output json
  --timeout "$((${INPUT_TIMEOUT_MINUTES:-60} * 60))")
if [ "$label" = run ] && [ -n "${INPUT_THRESHOLD:-}" ]; then
  args+=(--fail-under "overall_accuracy=$INPUT_THRESHOLD")
fi
status=0
tally "${args[@]}" >"$result" || status=$?

case "$status" in
  0) verdict=passed ;;
  3) verdict=below-threshold ;;
  2) verdict=failed ;;
  *) verdict=error ;;
esac
if [ ! -s "$result" ]; then
  rm -f "$result"
  verdict=error
fi
echo "$label: run $run_id: $verdict (tally exit status $status)" >&2
record "$run_id" "$verdict" "$status"
set_output result-path "$([ -f "$result" ] && echo "$result")"
set_output accuracy "$(jq -c '[.experiments[] | {key: .experiment_name, value: .overall_accuracy}] | from_entries' "$result" 2>/dev/null || echo '{}')"
