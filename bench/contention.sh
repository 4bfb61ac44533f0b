#!/usr/bin/env bash
# Contention at Google costs a call a backoff, not the fleet its pace: the same
# 200-record run twice against gemini-emulator, once clean and once with 10 % of calls
# answered with Vertex AI's bare 429 (contention, no quota named) and 5 % with 503
# "overloaded". Prints one JSON line with both runs and the wall-time ratio
# (target: at most 1.5, every record final, as many succeeded). See BENCHMARKS.md.
#
#   bash bench/contention.sh
#
# Settings: RECORDS (200), LATENCY_MS (1000, a 2.5-flash-lite call), RPM (1200: the
# shared pace is in every call's path and holds the run back a little), CONTENTION
# (0.10), UNAVAILABLE (0.05), PROFILE (release | debug), PORT (6392),
# EMULATOR_PORT (8392). Starts its own redis-server and emulator on loopback.
# Needs: cargo, redis-server, curl.
set -uo pipefail
cd "$(dirname "$(readlink -f "$0")")/.."
ROOT=$PWD
PORT=${PORT:-6392}
EMULATOR_PORT=${EMULATOR_PORT:-8392}
RECORDS=${RECORDS:-200}
LATENCY_MS=${LATENCY_MS:-1000}
RPM=${RPM:-1200}
CONTENTION=${CONTENTION:-0.10}
UNAVAILABLE=${UNAVAILABLE:-0.05}
PROFILE=${PROFILE:-release}
OUT=$ROOT/bench/results/contention-$(date +%Y%m%d-%H%M%S)
mkdir -p "$OUT/data"
log() { echo "[$(date +%H:%M:%S)] $*" | tee -a "$OUT/run.log" >&2; }

flag=--release; [ "$PROFILE" = debug ] && flag=
log "building ($PROFILE)"
cargo build $flag --locked -p tally-worker -p gemini-emulator -p tally-cli --bins 2>>"$OUT/build.log" \
  && cargo build $flag --locked -p tally-worker --example throughput 2>>"$OUT/build.log" \
  || { log "build failed (see build.log)"; exit 1; }
BIN=${CARGO_TARGET_DIR:-$ROOT/target}/$PROFILE
EXAMPLE=$BIN/examples/throughput

stop_all() {
  [ -f "$OUT/emulator.pid" ] && kill "$(cat "$OUT/emulator.pid")" 2>/dev/null
  [ -f "$OUT/redis.pid" ] && kill "$(cat "$OUT/redis.pid")" 2>/dev/null
  rm -f "$OUT/emulator.pid" "$OUT/redis.pid"
}
trap stop_all EXIT
trap 'exit 130' INT TERM
for port in "$PORT" "$EMULATOR_PORT"; do
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then echo "port $port is taken; set PORT= / EMULATOR_PORT=" >&2; exit 1; fi
done

log "dataset: $RECORDS records, two pages each"
"$BIN/tally" dataset synth --name bench --no-images --units "$RECORDS" --out "$OUT/data/bench" >>"$OUT/run.log" 2>&1 || exit 1
"$EXAMPLE" attach-pages "$OUT/data/bench" 2>>"$OUT/run.log" || exit 1

redis-server --port "$PORT" --bind 127.0.0.1 --save "" --appendonly no --daemonize yes \
  --pidfile "$OUT/redis.pid" --logfile "$OUT/redis.log" || exit 1
for _ in $(seq 50); do redis-cli -p "$PORT" ping >/dev/null 2>&1 && break; sleep 0.1; done
EMULATOR=http://127.0.0.1:$EMULATOR_PORT
EMULATOR_LISTEN=127.0.0.1:$EMULATOR_PORT EMULATOR_DATASETS=$OUT/data RUST_LOG=warn \
  "$BIN/gemini-emulator" >"$OUT/emulator.log" 2>&1 &
echo $! > "$OUT/emulator.pid"
for _ in $(seq 300); do curl -s "$EMULATOR/_emulator/stats" | grep -q '"ready":true' && break; sleep 1; done

log "two runs of $RECORDS records: clean, then ${CONTENTION} bare 429 + ${UNAVAILABLE} 503"
"$EXAMPLE" run "redis://127.0.0.1:$PORT" "$EMULATOR" "$BIN/tally-worker" "$OUT/data" "$OUT" bench \
  contention "$RECORDS" "$LATENCY_MS" "$RPM" "$CONTENTION" "$UNAVAILABLE" 2>>"$OUT/stderr.log" | tee "$OUT/result.json"
