#!/usr/bin/env bash
# Writes the ExperimentRequest of one run of this job to $(state_dir)/LABEL-request.json
# and prints its path. LABEL is "run" (the job's own configuration) or "baseline"
# (on a pull request in self-contained mode: the base branch's configuration, i.e.
# models-file as of the base commit, or the same preset or models as the run).
#
# Every model configuration is tagged (its metadata, which becomes experiment tags)
# with where it ran from — ci_event, ci_ref, ci_sha — and ci_baseline (the preset or
# file it came from), so that a later pull request can find it as its baseline.
set -euo pipefail
# shellcheck source=action/lib/common.sh
source "$(dirname "$0")/lib/common.sh"
load_settings
label=${1:?usage: request.sh run|baseline}
require INPUT_DATASET BASELINE_KEY

state=$(state_dir)

# The model_configs of the configuration, and the preset's sample size (if any).
preset_sample_size=""
if [ -n "${INPUT_MODELS:-}" ]; then
  configs=$INPUT_MODELS
elif [ -n "${INPUT_MODELS_FILE:-}" ]; then
  configs=$(cat "$INPUT_MODELS_FILE")
  if [ "$label" = baseline ]; then
    base_sha=$(jq -r '.pull_request.base.sha' "$GITHUB_EVENT_PATH")
    folder=$(dirname "$INPUT_MODELS_FILE")
    git -C "$folder" fetch --quiet --depth=1 origin "$base_sha" 2>/dev/null || true
    if base_configs=$(git -C "$folder" show "$base_sha:./$(basename "$INPUT_MODELS_FILE")" 2>/dev/null); then
      configs=$base_configs
    else
      notice "$MODELS_FILE_NAME does not exist at the base commit: the baseline runs this branch's file"
    fi
  fi
else
  preset=$(tally presets --json | jq --arg id "$INPUT_PRESET" '.[] | select(.id == $id)')
  if [ -z "$preset" ]; then
    error "input preset: unknown preset \"$INPUT_PRESET\"; one of $(tally presets --json | jq -r 'map(.id) | join(", ")')"
    exit 1
  fi
  configs=$(jq '.model_configs' <<<"$preset")
  preset_sample_size=$(jq -r '.sample_size // empty' <<<"$preset")
fi

if [ "$label" = baseline ]; then
  event=baseline ref="${GITHUB_BASE_REF:-}"
  sha=$(jq -r '.pull_request.base.sha // empty' "${GITHUB_EVENT_PATH:-/dev/null}" 2>/dev/null || true)
else
  event="${GITHUB_EVENT_NAME:-local}" ref="${GITHUB_HEAD_REF:-${GITHUB_REF_NAME:-}}" sha="${GITHUB_SHA:-}"
fi

path="$state/$label-request.json"
jq -n \
  --arg dataset "$INPUT_DATASET" \
  --argjson configs "$configs" \
  --arg sample_size "${INPUT_SAMPLE_SIZE:-$preset_sample_size}" \
  --arg project "${INPUT_PROJECT_NAME:-}" \
  --arg execution "${INPUT_EXECUTION_MODE:-}" \
  --arg jobs "${INPUT_JOBS:-}" \
  --argjson tags "$(jq -n --arg event "$event" --arg ref "$ref" --arg sha "$sha" --arg key "$BASELINE_KEY" \
    '{ci_event: $event, ci_ref: $ref, ci_sha: $sha, ci_baseline: $key} | with_entries(select(.value != ""))')" \
  '{dataset_name: $dataset,
    model_configs: [$configs[] | .metadata = ((.metadata // {}) + $tags)]}
   + (if $sample_size != "" then {sample_size: ($sample_size | tonumber)} else {} end)
   + (if $project != "" then {project_name: $project} else {} end)
   + (if $execution != "" then {execution: $execution} else {} end)
   + (if $jobs != "" then {jobs: ($jobs | tonumber)} else {} end)' >"$path"
echo "$path"
