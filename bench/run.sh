#!/usr/bin/env bash
# tally beside BullMQ, Celery and arq, on one private Redis and one gemini-emulator
# (see BENCHMARKS.md for what is measured and the latest figures).
#
#   bench/run.sh               # everything, REPS=3 (~45 min on 2 cores)
#   REPS=1 bench/run.sh        # one pass (~17 min)
#   SKIP_PEERS=1 bench/run.sh  # tally only
#   SKIP_SCALE=1 bench/run.sh  # without the scale runs
#   SCALE_RECORDS="10000 100000 1000000" bench/run.sh   # the scale runs' sizes (default
#                              # "10000 $RECORDS"); the dataset holds the largest
#   ONLY=scale bench/run.sh    # the import and the scale runs alone (no peers)
#   STATUS_SECONDS=10          # per level of the status phase (64, then 8 connections)
#   ONLY=status bench/run.sh   # the status phase alone (no peers, no scale; RECORDS=50000)
#   TALLY_STATUS_CACHE_MS=0 ONLY=status bench/run.sh   # ... with the API's status cache off
#                              # (the environment reaches the tally-api the phase starts;
#                              # versions.txt records the value)
#
# Starts its own redis-server on 127.0.0.1:$PORT (default 6391) and gemini-emulator
# on 127.0.0.1:$EMULATOR_PORT (default 8391); both must be free. Builds the release
# binaries, generates the dataset (tally dataset synth --no-images, then two pages
# per record from a pool of small PNGs), installs the peers' pinned dependencies
# under bench/peers/ (npm ci, pip in a venv), and writes bench/results/<stamp>/.
# Needs: cargo, redis-server, node >= 20 + npm, python3 >= 3.9 with venv.
set -uo pipefail
cd "$(dirname "$(readlink -f "$0")")/.."
ROOT=$PWD
PEERS=$ROOT/bench/peers
PORT=${PORT:-6391}
EMULATOR_PORT=${EMULATOR_PORT:-8391}
REPS=${REPS:-3}
ONLY=${ONLY:-}
if [ "$ONLY" = status ]; then SKIP_PEERS=1; SKIP_SCALE=1; REPS=0; RECORDS=${RECORDS:-50000}; fi
if [ "$ONLY" = scale ]; then SKIP_PEERS=1; REPS=0; fi
RECORDS=${RECORDS:-100000}
SCALE_RECORDS=${SCALE_RECORDS:-"10000 $RECORDS"}
# The dataset holds enough records for every phase and every scale run.
UNITS=$RECORDS
if [ "${SKIP_SCALE:-0}" != 1 ]; then
  for n in $SCALE_RECORDS; do [ "$n" -gt "$UNITS" ] && UNITS=$n; done
fi
STAMP=$(date +%Y%m%d-%H%M%S)
OUT=$ROOT/bench/results/$STAMP
RES=$OUT/results.jsonl
mkdir -p "$OUT/bin" "$OUT/data"
log() { echo "[$(date +%H:%M:%S)] $*" | tee -a "$OUT/run.log" >&2; }

# ---------------------------------------------------------------- build
log "building release binaries"
cargo build --release --locked -p tally-worker -p gemini-emulator -p tally-cli -p tally-api --bins 2>>"$OUT/build.log" || { log "build failed (see build.log)"; exit 1; }
cargo build --release --locked -p tally-worker --example throughput 2>>"$OUT/build.log" || { log "build failed (see build.log)"; exit 1; }
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}/release
# Copies: a later build elsewhere must not swap binaries under a running bench.
cp "$TARGET/tally" "$TARGET/tally-worker" "$TARGET/tally-api" "$TARGET/gemini-emulator" "$TARGET/examples/throughput" "$OUT/bin/"
BIN=$OUT/bin

# ---------------------------------------------------------------- peers' dependencies
if [ "${SKIP_PEERS:-0}" != 1 ]; then
  if [ ! -d "$PEERS/bullmq/node_modules/bullmq" ]; then
    log "npm ci (bullmq, ioredis) into bench/peers/bullmq/node_modules"
    (cd "$PEERS/bullmq" && npm ci --no-audit --no-fund >>"$OUT/build.log" 2>&1) || { log "npm ci failed"; exit 1; }
  fi
  if [ ! -x "$PEERS/venv/bin/celery" ] || [ ! -x "$PEERS/venv/bin/arq" ]; then
    log "pip install -r requirements.lock.txt into bench/peers/venv"
    python3 -m venv "$PEERS/venv" && "$PEERS/venv/bin/pip" install -q -r "$PEERS/requirements.lock.txt" >>"$OUT/build.log" 2>&1 \
      || { log "pip install failed"; exit 1; }
  fi
fi
PY=$PEERS/venv/bin/python

# ---------------------------------------------------------------- dataset
log "dataset: $UNITS records (synth --no-images, then two pages each)"
"$BIN/tally" dataset synth --name bench --no-images --units "$UNITS" --out "$OUT/data/bench" >>"$OUT/run.log" 2>&1 || exit 1
"$BIN/throughput" attach-pages "$OUT/data/bench" 2>>"$OUT/run.log" || exit 1

# ---------------------------------------------------------------- versions
{
  echo "date: $(date -Is)"; echo "host: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(free -g | awk '/Mem:/{print $2}') GiB RAM"
  echo "kernel: $(uname -r)"; echo "redis-server: $(redis-server --version)"; echo "rustc: $(rustc --version)"
  echo "tally: $(git -C "$ROOT" rev-parse --short HEAD)"
  echo "TALLY_STATUS_CACHE_MS: ${TALLY_STATUS_CACHE_MS:-unset (default)}"
  if [ "${SKIP_PEERS:-0}" != 1 ]; then
    echo "node: $(node --version)"
    for p in bullmq ioredis; do echo "$p: $(node -p "require('$PEERS/bullmq/node_modules/$p/package.json').version")"; done
    "$PEERS/venv/bin/pip" list --format=freeze 2>/dev/null | grep -iE '^(celery|kombu|redis|gevent|arq)=='
  fi
} > "$OUT/versions.txt"

# ---------------------------------------------------------------- services
stop_all() {
  [ -f "$OUT/emulator.pid" ] && kill "$(cat "$OUT/emulator.pid")" 2>/dev/null
  if [ -f "$OUT/redis.pid" ]; then
    local pid; pid=$(cat "$OUT/redis.pid")
    kill "$pid" 2>/dev/null
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  fi
  rm -f "$OUT/emulator.pid" "$OUT/redis.pid"
}
trap stop_all EXIT
trap 'exit 130' INT TERM
for port in "$PORT" "$EMULATOR_PORT"; do
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then echo "port $port is taken; set PORT= / EMULATOR_PORT=" >&2; exit 1; fi
done
redis-server --port "$PORT" --bind 127.0.0.1 --save "" --appendonly no --daemonize yes \
  --pidfile "$OUT/redis.pid" --logfile "$OUT/redis.log" || exit 1
for _ in $(seq 50); do redis-cli -p "$PORT" ping >/dev/null 2>&1 && break; sleep 0.1; done
EMULATOR=http://127.0.0.1:$EMULATOR_PORT
EMULATOR_LISTEN=127.0.0.1:$EMULATOR_PORT EMULATOR_DATASETS=$OUT/data RUST_LOG=warn \
  "$BIN/gemini-emulator" >"$OUT/emulator.log" 2>&1 &
echo $! > "$OUT/emulator.pid"
# The scale phase reports the emulator's peak RSS (index included).
export BENCH_EMULATOR_PID
BENCH_EMULATOR_PID=$(cat "$OUT/emulator.pid")
# Indexing a million records takes a while on a busy machine.
for _ in $(seq 1800); do curl -s "$EMULATOR/_emulator/stats" | grep -q '"ready":true' && break; sleep 1; done
log "redis on :$PORT, emulator on :$EMULATOR_PORT (dataset indexed)"
"$BIN/throughput" request-body "$OUT/data" bench "$OUT/request.json" 2>>"$OUT/run.log" || exit 1
URL="$EMULATOR/v1beta/models/gemini-2.5-flash-lite:generateContent"

# ---------------------------------------------------------------- runs
tally() {  # tally LABEL REP PHASE ARGS...
  local label=$1 rep=$2; shift 2
  log "$label  rep $rep"
  if ! "$BIN/throughput" run "redis://127.0.0.1:$PORT" "$EMULATOR" "$BIN/tally-worker" "$OUT/data" "$OUT" bench "$@" \
      2>>"$OUT/stderr.log" | python3 "$ROOT/bench/peers/summarize.py" --tag "$label" "$rep" >> "$RES"; then
    log "FAILED: $label rep $rep (see stderr.log)"; echo "$label rep $rep" >> "$OUT/failures.txt"
  fi
}
emulator_latency() {  # emulator_latency MS
  curl -s -X PATCH "$EMULATOR/_emulator/settings" -H 'content-type: application/json' \
    -d "{\"models\": {\"gemini-2.5-flash-lite\": {\"latency\": {\"kind\": \"fixed\", \"ms\": $1}, \"rpm\": null}}}" >/dev/null
  curl -s -X POST "$EMULATOR/_emulator/reset" >/dev/null
}
peer() {  # peer LABEL REP DIR CMD...
  local label=$1 rep=$2 dir=$3; shift 3
  log "$label  rep $rep"
  if ! (cd "$PEERS/$dir" && timeout 400 "$@" 2>>"$OUT/stderr.log") | "$PY" "$PEERS/summarize.py" --tag "$label" "$rep" >> "$RES"; then
    log "FAILED: $label rep $rep (see stderr.log)"; echo "$label rep $rep" >> "$OUT/failures.txt"
  fi
  redis-cli -p "$PORT" flushall >/dev/null
  sleep 1
}
# The import first, on its own: its time and the importer's peak RSS.
tally "tally import N=$UNITS"                  1 import
B="node bench.mjs --port $PORT"
C="$PY bench.py --port $PORT"
for rep in $(seq "$REPS"); do
  tally "tally (iii) W=2 C=50"                 "$rep" dispatch 20000 2
  tally "tally 100ms W=2 C=100"                "$rep" efficiency 20000 2 100 100
  tally "tally 1000ms W=2 C=100"               "$rep" efficiency 20000 2 100 1000
  tally "tally quota W=4 R=500/10s"            "$rep" quota 1500 4 500 10000
  if [ "${SKIP_PEERS:-0}" != 1 ]; then
    emulator_latency 0
    peer "bullmq (iii) W=2 C=50"               "$rep" bullmq $B --body http --n 20000 --workers 2 --concurrency 50 --url "$URL" --request-file "$OUT/request.json"
    emulator_latency 100
    peer "bullmq (iii) 100ms W=2 C=100"        "$rep" bullmq $B --body http --n 20000 --workers 2 --concurrency 100 --url "$URL" --request-file "$OUT/request.json" --latency-ms 100
    emulator_latency 1000
    peer "bullmq (iii) 1000ms W=2 C=100"       "$rep" bullmq $B --body http --n 20000 --workers 2 --concurrency 100 --url "$URL" --request-file "$OUT/request.json" --latency-ms 1000
    emulator_latency 0
    peer "bullmq (i)  W=2 C=50"                "$rep" bullmq $B --body noop  --n 20000 --workers 2 --concurrency 50
    peer "bullmq (ii) W=2 C=100"               "$rep" bullmq $B --body sleep --n 20000 --workers 2 --concurrency 100
    peer "celery (iii) threads c=50"           "$rep" celery $C --body http  --n 5000 --pool threads --concurrency 50 --url "$URL" --request-file "$OUT/request.json"
    peer "celery (ii) threads c=100 W=2"       "$rep" celery $C --body sleep --n 20000 --pool threads --concurrency 100 --workers 2
    peer "arq (iii)  max_jobs=50 W=2"          "$rep" arq    $C --body http  --n 5000 --max-jobs 50 --workers 2 --poll-delay 0.05 --url "$URL" --request-file "$OUT/request.json"
    peer "arq (ii)   max_jobs=100 W=2"         "$rep" arq    $C --body sleep --n 20000 --max-jobs 100 --workers 2
  fi
done
if [ "$ONLY" != scale ]; then
  [ "$ONLY" = status ] || tally "tally worker RSS" 1 rss 200
  tally "tally status"                         1 status "$BIN/tally-api" "${STATUS_SECONDS:-10}"
fi
if [ "${SKIP_SCALE:-0}" != 1 ]; then
  for n in $SCALE_RECORDS; do
    tally "tally scale N=$n W=2"               1 scale "$n" 2
  done
fi

# ---------------------------------------------------------------- report
echo
python3 "$ROOT/bench/report.py" "$RES" | tee "$OUT/table.txt"
echo; echo "raw: $RES  versions: $OUT/versions.txt"
[ -f "$OUT/failures.txt" ] && { echo "failures:"; cat "$OUT/failures.txt"; }
exit 0
