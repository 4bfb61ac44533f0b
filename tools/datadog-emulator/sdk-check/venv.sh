#!/usr/bin/env bash
# Makes (or reuses) the venv with the pinned ddtrace (requirements.txt) and prints
# its python. The venv is made once (this needs PyPI) and reused while it was made
# from the same requirements.txt; concurrent callers wait for each other.
#
# Environment:
#   DDTRACE_VENV  where the venv lives (default: target/tmp/ddtrace-venv)
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../../.." && pwd)"
venv="${DDTRACE_VENV:-$repo/target/tmp/ddtrace-venv}"
mkdir -p "$(dirname "$venv")"
(
  flock 9
  if ! cmp -s "$here/requirements.txt" "$venv/.complete"; then
    echo "sdk-check: making the venv in $venv ($(tr '\n' ' ' <"$here/requirements.txt"))" >&2
    rm -rf "$venv"
    python3 -m venv "$venv"
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check \
      -r "$here/requirements.txt" >&2
    cp "$here/requirements.txt" "$venv/.complete"
  fi
) 9>"$venv.lock"
echo "$venv/bin/python"
