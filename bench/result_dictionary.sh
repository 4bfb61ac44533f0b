#!/usr/bin/env bash
# Trains the zstd dictionary that compresses stored record results
# (shared/store/src/result_codec.rs) on results built from synthetic records, and
# prints the sizes it gives. A trained dictionary is never replaced: stored results
# name the one they were compressed with, so a new one gets the next number and the
# codec keeps every earlier one.
#
#   bash bench/result_dictionary.sh 2     # writes shared/store/dictionaries/results-2.zdict
#
# Settings: UNITS (2000 records to train on), SEED (11: not the bench's seed 7).
# Needs: cargo, zstd (Debian package zstd).
set -euo pipefail
cd "$(dirname "$(readlink -f "$0")")/.."
number=${1:?which dictionary number to write}
out=shared/store/dictionaries/results-$number.zdict
[ -e "$out" ] && { echo "$out exists: dictionaries are never replaced" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cargo build --locked -p tally-cli --bin tally -p tally-worker --example throughput
target=${CARGO_TARGET_DIR:-target}/debug
"$target/tally" dataset synth --name train --no-images --units "${UNITS:-2000}" \
  --seed "${SEED:-11}" --out "$work/train" >/dev/null
"$target/examples/throughput" result-samples "$work/train" "$work/samples"
zstd -q --train "$work"/samples/*.json --maxdict=16384 -o "$out"
json=$(cat "$work"/samples/*.json | wc -c)
packed=$(for f in "$work"/samples/*.json; do zstd -q -3 -D "$out" -c "$f"; done | wc -c)
count=$(ls "$work/samples" | wc -l)
echo "$out: $(stat -c %s "$out") B; $count results, JSON $((json / count)) B, compressed $((packed / count)) B each"
