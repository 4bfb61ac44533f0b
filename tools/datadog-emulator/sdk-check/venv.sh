#!/usr/bin/env bash
# Makes (or reuses) the venv with the pinned ddtrace (requirements.txt) and prints
# its python (`scripts/lib/pinned_venv.sh` does the work).
#
# Environment:
#   DDTRACE_VENV  where the venv lives (default: target/tmp/ddtrace-venv)
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../../.." && pwd)"
exec bash "$repo/scripts/lib/pinned_venv.sh" "$here/requirements.txt" \
  "${DDTRACE_VENV:-$repo/target/tmp/ddtrace-venv}"
