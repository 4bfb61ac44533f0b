# An ExperimentResponse (`tally run --wait --output json`) as a Markdown table for
# the job summary: jq -r -f .github/results-summary.jq results.json
def pct: if type == "number" then "\(. * 1000 | round / 10)%" else "–" end;
def num: if type == "number" then (. | round | tostring) else "–" end;
def usd: if type == "number" then "$\(. * 10000 | round / 10000)" else "–" end;

"## tally: \(.dataset_name) (\(.dataset_id // "?"), \(.dataset_size) records)",
"",
"\(.message)",
"",
(if any(.experiments[]; .emulated == true)
 then "> **Emulated:** these answers come from gemini-emulator, not from Gemini.\n"
 else empty end),
"| experiment | model | temp | status | ok / total | accuracy | success | ballot | p50 ms | cost |",
"|---|---|---:|---|---:|---:|---:|---:|---:|---:|",
(.experiments[] |
  "| \(if .experiment_url then "[\(.experiment_name)](\(.experiment_url))" else .experiment_name end) | \(.model) | \(.temperature) | \(.status) | \(.successful_records) / \(.total_records) | \(.overall_accuracy | pct) | \(.success_rate | pct) | \(.avg_ballot_accuracy | pct) | \(.latency_ms.p50 | num) | \(.cost_usd | usd) |"),
(if .comparison_url then "\n[Compare the experiments](\(.comparison_url))" else empty end)
