# The pull-request comment: this pull request's run beside its baseline, as Markdown.
#   jq -n -r -f pr-comment.jq --slurpfile run run-result.json \
#     --slurpfile base baseline-result.json (or --argjson base '[]') \
#     --slurpfile comparisons comparisons.json --argjson ctx CONTEXT
# run, base: ExperimentResponses (`tally run --wait --output json`); comparisons: from
# compare.sh; ctx: {marker, baseline_key, base_ref, head_sha, mode, threshold,
# run_id, baseline ({run_id, source?} or null), workflow_url, links}.
# The first line is the hidden marker post-comment.sh finds the comment by.

def tenths: (. * 1000 | round) as $t | ($t | fabs) as $a
  | "\($a / 10 | floor).\($a % 10)" | if $t < 0 then "−" + . else . end;
def pct: if type == "number" then "\(tenths)%" else "–" end;
def pts: if type == "number" then
    (if (. * 1000 | round) > 0 then "+" elif (. * 1000 | round) < 0 then "" else "±" end) + tenths
  else "–" end;
def usd: if type == "number" then "$\(. * 10000 | round / 10000)" else "–" end;
def arrow($a; $b): "\($a) → \($b)";
def verdict:
  if . == null or .shared_records == 0 then "not comparable"
  elif .significant and .difference > 0 then "✅ better"
  elif .significant then "🔻 worse"
  else "➖ no clear difference" end;
def interval: if .ci95 then "[\(.ci95.low | tenths), \(.ci95.high | tenths)]" else "" end;
def linked($url): if $ctx.links and ($url // "") != "" then "[\(.)](\($url))" else . end;

($run[0]) as $r
| ($base[0]) as $b
| ($comparisons[0] // []) as $cmp
| ($ctx.base_ref // "base") as $ref
| ($r.experiments | map(.experiment_name)) as $run_names
| [$r.experiments[] | . as $e
    | ($cmp | map(select(.run == $e.experiment_id))[0]) as $c
    | ($b.experiments // [] | map(select(.experiment_id == $c.baseline))[0]) as $be
    | {e: $e, be: $be, pair: $c.pair,
       label: (if $e.status != "success" then "⚠️ \($e.status)"
               elif $b == null then "no baseline"
               elif $be == null then "🆕 new"
               else ($c.pair | verdict) end)}] as $rows
| [$b.experiments // [] | .[]
    | select(.experiment_id as $id | $cmp | map(.baseline) | index($id) | not)] as $removed
| ($rows | map(.label)) as $labels
| [($labels | map(select(. == "🔻 worse")) | length | select(. > 0) | "\(.) worse"),
   ($labels | map(select(. == "✅ better")) | length | select(. > 0) | "\(.) better"),
   ($labels | map(select(. == "➖ no clear difference")) | length | select(. > 0) | "\(.) with no clear difference"),
   ($labels | map(select(. == "🆕 new")) | length | select(. > 0) | "\(.) new"),
   ($labels | map(select(startswith("⚠️"))) | length | select(. > 0) | "\(.) not successful")] as $counts
| ($ctx.threshold // "") as $threshold
| [$r.experiments[]
    | select($threshold != "" and ((.overall_accuracy // -1) < ($threshold | tonumber)))] as $missed
# The records each experiment ran on; a result stored before `sample_size` existed
# reads 0 there and had that count in `dataset_size`.
| (if ($r.sample_size // 0) > 0 then $r.sample_size else $r.dataset_size end) as $records
| [$ctx.marker,
   "### tally: `\($ctx.baseline_key)` on \($r.dataset_name) (\($records) records)",
   "",
   (if $b == null
    then "**No baseline:** no succeeded scheduled or `\($ref)` run of `\($ctx.baseline_key)` on this dataset was found, so this run stands alone."
    else "**This pull request against `\($ref)`:** \($counts | if length == 0 then "nothing to compare" else join(", ") end)." end),
   "",
   (if any($r.experiments[]; .emulated == true)
    then "> **Dry run:** every answer comes from gemini-emulator, not from Gemini: the numbers check the pipeline, not the models.\n"
    else empty end),
   "| experiment | model | accuracy: \($ref) → PR | Δ accuracy (95% CI) | verdict | success rate | cost |",
   "|---|---|---:|---:|---|---:|---:|",
   ($rows[] |
     "| \(.e.experiment_url as $url | .e.experiment_name | linked($url)) | \(.e.model), t \(.e.temperature) | \(arrow(.be.overall_accuracy | pct; .e.overall_accuracy | pct)) | \(if .pair and .pair.difference != null then "\(.pair.difference | pts) pts \(.pair | interval)" else "–" end) | \(.label) | \(arrow(.be.success_rate | pct; .e.success_rate | pct)) | \(arrow(.be.cost_usd | usd; .e.cost_usd | usd)) |"),
   ($removed[] |
     "| \(.experiment_name) | \(.model), t \(.temperature) | \(arrow(.overall_accuracy | pct; "–")) | – | ➖ not in this PR | \(arrow(.success_rate | pct; "–")) | \(arrow(.cost_usd | usd; "–")) |"),
   "| **total** | | | | | | \(arrow(if $b then [$b.experiments[].cost_usd // 0] | add | usd else "–" end; [$r.experiments[].cost_usd // 0] | add | usd)) |",
   "",
   (if $threshold == "" then empty
    elif ($missed | length) == 0 then "- **Threshold** overall_accuracy ≥ \($threshold): ✅ met by every experiment."
    else "- **Threshold** overall_accuracy ≥ \($threshold): ❌ missed by \($missed | map("\(.experiment_name) (\(.overall_accuracy | pct))") | join(", "))." end),
   (if $r.status != "success" then "- **Run:** \($r.message)" else empty end),
   (if $b == null then empty
    elif $ctx.baseline.source then "- **Baseline:** run `\($ctx.baseline.run_id)` (\($ctx.baseline.source))."
    else "- **Baseline:** the `\($ref)` configuration, run in this job (run `\($ctx.baseline.run_id)`)." end),
   "- **This pull request:** run `\($ctx.run_id)`\(if $ctx.head_sha then " at \($ctx.head_sha[0:7])" else "" end).",
   "",
   ([(if $ctx.links and $b != null then
       ($r.experiments[0].experiment_url // "" | sub("#/experiments/.*$"; "")) as $ui
       | select($ui != "")
       | "[Compare in tally](\($ui)#/compare?ids=\([$cmp[] | .run, .baseline] | join(",")))"
     else empty end),
     (if $ctx.links and $r.comparison_url then "[This run in tally](\($r.comparison_url))" else empty end),
     (if $r.datadog_comparison_url then "[Datadog](\($r.datadog_comparison_url))" else empty end),
     (if $ctx.workflow_url then "[Workflow run](\($ctx.workflow_url))" else empty end)]
    | select(length > 0) | join(" · ") + "\n"),
   "<details><summary>How the verdict is reached</summary>",
   "",
   "Δ is this pull request's mean per-record overall_accuracy minus the baseline's, in percentage points, over the records both runs answered. The interval is a paired bootstrap (`tally compare`: 2,000 resamples of the shared records, seeded): *better* or *worse* only when the 95% interval excludes 0; otherwise the sample cannot tell the two apart.",
   "",
   "</details>"]
| .[]
