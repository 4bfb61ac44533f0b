#!/usr/bin/env bash
# Accuracy of the local OCR model tesseract-tha on clean and degraded synthetic scans
# (see BENCHMARKS.md, "OCR baseline"). Real reads of real pixels: it runs Tesseract
# on every page and scores with tally's own evaluators, outside the service (no
# Redis, no API), so the figures are the model's alone.
#
#   bench/ocr_accuracy.sh            # UNITS=5 per level (~1 min of CPU per level)
#   UNITS=10 bench/ocr_accuracy.sh
#
# Generates three datasets with the same seed (so the same numbers and names):
#   clean   --scan-quality clean                  (the rendered page)
#   light   --scan-quality good --degrade light   (a hurried office scan)
#   heavy   --scan-quality good --degrade heavy   (a copy of a photo, with a stamp)
# and writes bench/results/ocr-<stamp>/results.jsonl plus a Markdown table on stdout.
# Needs: cargo, jq, tesseract with Thai data (scripts/lib/ensure.sh installs them), the
# Thai fonts of the generator.
set -euo pipefail
cd "$(dirname "$(readlink -f "$0")")/.."
source scripts/lib/ensure.sh
UNITS=${UNITS:-5}
SEED=${SEED:-7}
OUT=bench/results/ocr-$(date +%Y%m%d-%H%M%S)
mkdir -p "$OUT"

ensure_tesseract
ensure_thai_fonts
command -v jq >/dev/null 2>&1 || apt_install jq
cargo build --release --locked -q -p tally-cli --bin tally
cargo build --release --locked -q -p tally-ocr --example accuracy

for level in clean light heavy; do
  case $level in
    clean) look=(--scan-quality clean) ;;
    *) look=(--scan-quality good --degrade "$level") ;;
  esac
  target/release/tally dataset synth --name "ocr-$level" --units "$UNITS" --seed "$SEED" \
    "${look[@]}" --out "$OUT/data/$level" >&2
  target/release/examples/accuracy "$OUT/data/$level" \
    | jq -c --arg level "$level" '. + {level: $level}' >> "$OUT/results.jsonl"
done

echo "| data | records | overall accuracy | ballot accuracy | vote results quality | exact form match | success rate | CPU per record | wall per record |"
echo "|---|---|---|---|---|---|---|---|---|"
jq -r '"| \(.level) | \(.records) | \(.summary.overall_accuracy * 1000 | round / 1000) | \(.summary.avg_ballot_accuracy * 1000 | round / 1000) | \(.summary.mean_vote_results_quality * 1000 | round / 1000) | \(.summary.exact_form_match_rate * 1000 | round / 1000) | \(.summary.success_rate) | \(.cpu_ms_per_record / 1000 * 10 | round / 10) s | \(.wall_ms_per_record / 1000 * 10 | round / 10) s |"' "$OUT/results.jsonl"
echo "results: $OUT/results.jsonl" >&2
