#!/usr/bin/env bash
# Renders the pull-request comment (pr-comment.jq) from the files run.sh, baseline.sh
# or run.sh baseline, and compare.sh left in $(state_dir), to $(state_dir)/comment.md.
# Output: comment-path.
set -euo pipefail
# shellcheck source=action/lib/common.sh
source "$(dirname "$0")/lib/common.sh"
load_settings
require MODE BASELINE_KEY

state=$(state_dir)
[ -s "$state/comparisons.json" ] || echo '[]' >"$state/comparisons.json"
if [ -s "$state/baseline-result.json" ]; then
  base=(--slurpfile base "$state/baseline-result.json")
  baseline=$(jq -c '{run_id, source}' "$state/baseline-run.json")
else
  base=(--argjson base '[]')
  baseline=null
fi
workflow_url=""
if [ -n "${GITHUB_RUN_ID:-}" ]; then
  workflow_url="${GITHUB_SERVER_URL:-https://github.com}/$GITHUB_REPOSITORY/actions/runs/$GITHUB_RUN_ID"
fi
head_sha=$(jq -r '.pull_request.head.sha // empty' "${GITHUB_EVENT_PATH:-/dev/null}" 2>/dev/null || true)

# The tally UI is only worth a link when the API is reachable from outside the job.
ctx=$(jq -n \
  --arg marker "<!-- tally-action:pr-comment ${INPUT_COMMENT_KEY:-$BASELINE_KEY:$INPUT_DATASET} -->" \
  --arg key "$BASELINE_KEY" --arg base_ref "${GITHUB_BASE_REF:-}" --arg head_sha "${head_sha:-${GITHUB_SHA:-}}" \
  --arg mode "$MODE" --arg threshold "${INPUT_THRESHOLD:-}" \
  --arg run_id "$(jq -r '.run_id' "$state/run-run.json")" --argjson baseline "$baseline" \
  --arg workflow_url "$workflow_url" \
  '{marker: $marker, baseline_key: $key, base_ref: (if $base_ref == "" then null else $base_ref end),
    head_sha: (if $head_sha == "" then null else $head_sha end), mode: $mode, threshold: $threshold,
    run_id: $run_id, baseline: $baseline,
    workflow_url: (if $workflow_url == "" then null else $workflow_url end),
    links: ($mode == "endpoint")}')

jq -n -r -f "$(dirname "$0")/pr-comment.jq" --slurpfile run "$state/run-result.json" "${base[@]}" \
  --slurpfile comparisons "$state/comparisons.json" --argjson ctx "$ctx" >"$state/comment.md"
set_output comment-path "$state/comment.md"
