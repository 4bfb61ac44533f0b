#!/usr/bin/env bash
# Writes the job summary: the pull-request comment when one was rendered, else the
# results table of this job's run (.github/results-summary.jq), else why there are
# no results.
set -uo pipefail
# shellcheck source=action/lib/common.sh
source "$(dirname "$0")/lib/common.sh"
load_settings || exit 0

state=$(state_dir)
summary="$state/summary.md"
if [ -s "$state/comment.md" ]; then
  tail -n +2 "$state/comment.md" >"$summary"
elif [ -s "$state/run-result.json" ]; then
  # A self-contained tally is gone with the job: no links to its pages.
  jq --arg mode "$MODE" 'if $mode == "self-contained"
      then .comparison_url = null | .experiments[].experiment_url = null else . end' \
    "$state/run-result.json" | jq -r -f "$ACTION_ROOT/.github/results-summary.jq" >"$summary"
  if [ -n "${INPUT_THRESHOLD:-}" ]; then
    printf '\nThreshold: overall_accuracy ≥ %s — %s\n' "$INPUT_THRESHOLD" \
      "$(jq -r '.verdict' "$state/run-run.json")" >>"$summary"
  fi
else
  echo "## tally: no results (the run could not be submitted or did not end in time; see the log)" >"$summary"
fi
add_summary "$summary"
