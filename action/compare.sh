#!/usr/bin/env bash
# Compares each experiment of this job's run with its counterpart in the baseline
# (same experiment name, else the same position) with `tally compare`: the paired
# bootstrap over the records both answered. Writes $(state_dir)/comparisons.json, a
# list of {experiment_name, run, baseline, pair} where pair is compare's entry for
# (run, baseline): difference = run − baseline. Writes [] when there is no baseline.
# Output: comparison — worse, better, same (no clear difference) or none.
set -euo pipefail
# shellcheck source=action/lib/common.sh
source "$(dirname "$0")/lib/common.sh"
load_settings
require TALLY_API_URL TALLY_API_KEY

state=$(state_dir)
out="$state/comparisons.json"
if [ ! -s "$state/baseline-result.json" ] || [ ! -s "$state/run-result.json" ]; then
  echo '[]' >"$out"
  set_output comparison none
  exit 0
fi

# "run_id baseline_id name" for each pair, then one compare call per pair.
pairs=$(jq -rn --slurpfile run "$state/run-result.json" --slurpfile base "$state/baseline-result.json" '
  ($run[0].experiments) as $r | ($base[0].experiments) as $b |
  $r | to_entries[] | .key as $i | .value as $e |
  ([$b[] | select(.experiment_name == $e.experiment_name)][0] // $b[$i]) as $match |
  select($match != null) | "\($e.experiment_id) \($match.experiment_id) \($e.experiment_name)"')

echo '[]' >"$out"
while read -r run_experiment base_experiment name; do
  [ -n "$run_experiment" ] || continue
  pair=$(tally compare "$run_experiment" "$base_experiment" --output json | jq '.pairs[0]')
  jq --arg name "$name" --arg run "$run_experiment" --arg base "$base_experiment" --argjson pair "$pair" \
    '. + [{experiment_name: $name, run: $run, baseline: $base, pair: $pair}]' "$out" >"$out.tmp"
  mv "$out.tmp" "$out"
done <<<"$pairs"

# worse: any experiment significantly less accurate; better: some more and none less.
set_output comparison "$(jq -r '
  if any(.[]; .pair.significant and .pair.difference < 0) then "worse"
  elif any(.[]; .pair.significant and .pair.difference > 0) then "better"
  elif length > 0 then "same" else "none" end' "$out")"
