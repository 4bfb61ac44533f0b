#!/usr/bin/env bash
# Stops what scripts/demo.sh started (SIGTERM: workers finish their records in
# flight). Redis is left running.
set -uo pipefail
cd "$(dirname "$0")/.."
state=.tally/demo
shopt -s nullglob
for pid_file in "$state"/*.pid; do
  pid=$(cat "$pid_file")
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" && echo "stopped $(basename "$pid_file" .pid) ($pid)"
  fi
  rm -f "$pid_file"
done
