#!/usr/bin/env bash
# Fails when a crate depends, directly or not, on something its layer must not:
#   tally-core                    none of tokio, redis, reqwest, apalis, axum (pure domain)
#   gemini-emulator, datadog-emulator, tally (CLI)
#                                 none of redis, apalis (they never talk to the store)
# Used by .ci/run; developers run it the same way: bash scripts/check-crate-deps.sh
set -euo pipefail
cd "$(dirname "$0")/.."

failed=0
forbid() { # package crate...
  local package=$1; shift
  local tree
  tree=$(cargo tree --locked -p "$package" -e normal,build --prefix none --format '{p}' | awk '{print $1}' | sort -u)
  for crate in "$@"; do
    if grep -qx "$crate" <<<"$tree"; then
      echo "$package depends on $crate (see: cargo tree -p $package -i $crate)" >&2
      failed=1
    fi
  done
}

forbid tally-core tokio redis reqwest apalis apalis-redis axum
forbid gemini-emulator redis apalis apalis-redis
forbid datadog-emulator redis apalis apalis-redis
forbid tally-cli redis apalis apalis-redis

[ "$failed" -eq 0 ] && echo "crate layers: ok"
exit "$failed"
