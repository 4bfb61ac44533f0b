#!/usr/bin/env bash
# Runs the whole test suite: makes sure what the tests need is present (Redis, with
# redis-server and redis-sentinel for the tests' own servers, Thai
# fonts, Tesseract with its Thai data, headless Chromium for the web UI tests, jq and
# curl for the action's scripts, python3 with venv for the ddtrace checks), then
# `cargo test`. Used by developers and by CI alike.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/ensure.sh

ensure_redis
ensure_private_redis
ensure_thai_fonts
ensure_tesseract
ensure_chromium
ensure_action_tools
ensure_python_venv

cargo test --workspace --locked "$@"
