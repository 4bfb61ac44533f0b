#!/usr/bin/env bash
# Endpoint mode, on a pull request: finds the stored baseline of this job's run on
# the tally it talks to — the newest succeeded run on the same dataset that either
#   - was made by tally-scheduler (a schedule) with the same experiment names, or
#   - was made by this action on the base branch (not for a pull request) from the
#     same preset or models file (the ci_baseline, ci_ref and ci_event tags that
#     request.sh puts on every model configuration).
# Looks at the newest 100 succeeded runs. Writes $(state_dir)/baseline-result.json and
# baseline-run.json ({run_id, source, created_at}) when one is found. Output:
# baseline-run-id (empty when none).
set -euo pipefail
# shellcheck source=action/lib/common.sh
source "$(dirname "$0")/lib/common.sh"
load_settings
require TALLY_API_URL TALLY_API_KEY INPUT_DATASET BASELINE_KEY GITHUB_BASE_REF

state=$(state_dir)
rm -f "$state/baseline-result.json" "$state/baseline-run.json"
own_run=$(jq -r '.run_id' "$state/run-run.json")
names=$(jq -c '[.experiments[].experiment_name] | sort' "$state/run-result.json")

candidates=$(tally list --status succeeded --limit 100 --output json |
  jq -r --arg dataset "$INPUT_DATASET" --arg own "$own_run" \
    '.runs[] | select(.dataset_name == $dataset and .run_id != $own) | .run_id')

for run_id in $candidates; do
  status=$(tally status "$run_id" --output json)
  source=""
  if jq -e --argjson names "$names" \
    '.submitter.schedule != null and ([.result.experiments[].experiment_name] | sort) == $names' \
    <<<"$status" >/dev/null; then
    source=$(jq -r '"schedule " + .submitter.schedule' <<<"$status")
  else
    first=$(jq -r '.experiments[0].experiment_id' <<<"$status")
    tags=$(api_get "/api/v1/experiments/experiments/$first" | jq -c '.config.metadata // {}')
    if jq -e --arg key "$BASELINE_KEY" --arg ref "$GITHUB_BASE_REF" \
      '.ci_baseline == $key and .ci_ref == $ref and (.ci_event | IN("pull_request", "pull_request_target", "baseline") | not)' \
      <<<"$tags" >/dev/null; then
      source=$(jq -r '"\(.ci_ref)" + (if .ci_sha then " @ \(.ci_sha[0:7])" else "" end)' <<<"$tags")
    fi
  fi
  if [ -n "$source" ]; then
    jq '.result' <<<"$status" >"$state/baseline-result.json"
    jq --arg source "$source" '{run_id, source: $source, created_at}' <<<"$status" >"$state/baseline-run.json"
    echo "baseline: run $run_id ($source)" >&2
    set_output baseline-run-id "$run_id"
    exit 0
  fi
done
notice "no baseline: no succeeded scheduled or $GITHUB_BASE_REF run of $BASELINE_KEY on $INPUT_DATASET among the newest 100 runs"
set_output baseline-run-id ""
