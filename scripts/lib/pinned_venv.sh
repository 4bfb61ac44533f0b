#!/usr/bin/env bash
# Usage: pinned_venv.sh REQUIREMENTS VENV — makes (or reuses) a venv at VENV with the
# packages pinned in REQUIREMENTS and prints its python. The venv is made once (this
# needs PyPI) and reused while it was made from the same requirements file;
# concurrent callers wait for each other. Used by the vendor-SDK checks of the
# emulators (google-genai, ddtrace).
set -euo pipefail

requirements="$1"
venv="$2"
mkdir -p "$(dirname "$venv")"
(
  flock 9
  if ! cmp -s "$requirements" "$venv/.complete"; then
    echo "sdk-check: making the venv in $venv ($(tr '\n' ' ' <"$requirements"))" >&2
    rm -rf "$venv"
    python3 -m venv "$venv"
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check \
      -r "$requirements" >&2
    cp "$requirements" "$venv/.complete"
  fi
) 9>"$venv.lock"
echo "$venv/bin/python"
