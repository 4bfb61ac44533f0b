#!/usr/bin/env bash
# When this job's run failed or missed its threshold (VERDICT is failed,
# below-threshold or error): opens an issue labelled experiment-regression with the
# numbers, or comments on the open one this action opened for the same dataset and
# configuration (INPUT_FAILURE_ISSUE: auto = on scheduled runs only, true, false),
# and posts the same notice as JSON {text, verdict, ...} to INPUT_WEBHOOK_URL when
# given (Slack's incoming webhooks read `text`). Never fails the job itself: a notice
# that cannot be delivered is a warning.
set -uo pipefail
# shellcheck source=action/lib/common.sh
source "$(dirname "$0")/lib/common.sh"
load_settings || exit 0
require VERDICT BASELINE_KEY INPUT_DATASET || exit 0

case "$VERDICT" in
  failed | below-threshold | error) ;;
  *) exit 0 ;;
esac

state=$(state_dir)
label=experiment-regression
marker="<!-- tally-action:regression ${BASELINE_KEY}:${INPUT_DATASET} -->"
workflow_url=""
[ -z "${GITHUB_RUN_ID:-}" ] || workflow_url="${GITHUB_SERVER_URL:-https://github.com}/$GITHUB_REPOSITORY/actions/runs/$GITHUB_RUN_ID"
case "$VERDICT" in
  below-threshold) headline="tally: $BASELINE_KEY on $INPUT_DATASET missed overall_accuracy ≥ ${INPUT_THRESHOLD:-?}" ;;
  failed) headline="tally: the $BASELINE_KEY run on $INPUT_DATASET did not succeed" ;;
  *) headline="tally: the $BASELINE_KEY run on $INPUT_DATASET could not be run" ;;
esac

# The notice: headline, the results table when there are results, where to look.
notice_file="$state/failure-notice.md"
{
  echo "$marker"
  echo "### $headline"
  echo
  sha=${GITHUB_SHA:-?}
  echo "Run \`$(jq -r '.run_id // "?"' "$state/run-run.json" 2>/dev/null || echo "?")\` on ${GITHUB_REF_NAME:-?} at ${sha:0:7} (${GITHUB_EVENT_NAME:-local})."
  echo
  if [ -s "$state/run-result.json" ]; then
    jq -r -f "$ACTION_ROOT/.github/results-summary.jq" "$state/run-result.json" | sed '1s/^## /#### /'
  else
    echo "No results: the run could not be submitted or did not end in time."
  fi
  [ -z "$workflow_url" ] || printf '\n[Workflow run](%s)\n' "$workflow_url"
} >"$notice_file"

issue=${INPUT_FAILURE_ISSUE:-auto}
[ "$issue" = auto ] && issue=$([ "${GITHUB_EVENT_NAME:-}" = schedule ] && echo true || echo false)
if [ "$issue" = true ]; then
  export GH_TOKEN="${INPUT_GITHUB_TOKEN:-${GH_TOKEN:-${GITHUB_TOKEN:-}}}"
  repo=$GITHUB_REPOSITORY
  open=$(gh api "repos/$repo/issues?labels=$label&state=open&per_page=100" |
    jq -r --arg marker "$marker" '[.[] | select((.body // "") | contains($marker))] | first | .number // empty')
  if [ -n "$open" ]; then
    if jq -Rs '{body: .}' "$notice_file" | gh api -X POST "repos/$repo/issues/$open/comments" --input - >/dev/null; then
      echo "commented on issue #$open" >&2
    else
      warning "could not comment on issue #$open (give the job 'issues: write')"
    fi
  else
    # A missing label is created; one that exists answers 422, which is fine.
    gh api -X POST "repos/$repo/labels" -f name="$label" -f color=d73a4a \
      -f description="A tally experiment missed its threshold or failed" >/dev/null 2>&1 || true
    if opened=$(jq -Rs --arg title "$headline" --arg label "$label" '{title: $title, body: ., labels: [$label]}' "$notice_file" |
      gh api -X POST "repos/$repo/issues" --input -); then
      jq -r '"opened issue #\(.number): \(.html_url)"' <<<"$opened" >&2
    else
      warning "could not open an issue (give the job 'issues: write')"
    fi
  fi
fi

if [ -n "${INPUT_WEBHOOK_URL:-}" ]; then
  mask "$INPUT_WEBHOOK_URL"
  jq -Rs --arg verdict "$VERDICT" --arg headline "$headline" --arg dataset "$INPUT_DATASET" \
    --arg configuration "$BASELINE_KEY" --arg workflow_url "$workflow_url" \
    --slurpfile run <(cat "$state/run-run.json" 2>/dev/null || echo null) \
    --slurpfile result <(cat "$state/run-result.json" 2>/dev/null || echo null) \
    '{text: ($headline + (if $workflow_url != "" then " — " + $workflow_url else "" end)),
      verdict: $verdict, dataset: $dataset, configuration: $configuration,
      run_id: ($run[0].run_id // null), workflow_url: (if $workflow_url != "" then $workflow_url else null end),
      experiments: [($result[0].experiments // [])[] | {experiment_name, model, status, overall_accuracy, success_rate, cost_usd}],
      markdown: .}' "$notice_file" >"$state/webhook-body.json"
  if curl -fsS --retry 3 --max-time 30 -H 'Content-Type: application/json' \
    --data @"$state/webhook-body.json" "$INPUT_WEBHOOK_URL" >/dev/null; then
    echo "posted the failure notice to the webhook" >&2
  else
    warning "could not post the failure notice to the webhook"
  fi
fi
exit 0
