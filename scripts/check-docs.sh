#!/usr/bin/env bash
# Builds the book (docs/, mdBook) into docs/book/ and checks the documentation's links
# offline: every relative link, image and #anchor of the built book, of README.md,
# ARCHITECTURE.md and BENCHMARKS.md, and every repository path named in them (see
# scripts/lib/check_doc_links.py). Installs the pinned mdBook with cargo when the one
# on PATH is missing or another version.
# Used by .ci/run; developers run it the same way: bash scripts/check-docs.sh
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/ensure.sh

MDBOOK_VERSION=0.5.4

ensure_mdbook() {
  if command -v mdbook >/dev/null 2>&1 && [ "$(mdbook --version)" = "mdbook v$MDBOOK_VERSION" ]; then
    return 0
  fi
  echo "installing mdbook $MDBOOK_VERSION with cargo install (a few minutes, once per machine)" >&2
  # Only the HTML renderer and its search index: no `serve`/`watch` (no web server to
  # compile). --force: a binary deleted by hand is reinstalled, not reported "installed".
  cargo install mdbook --version "$MDBOOK_VERSION" --locked --force --quiet \
    --no-default-features --features search
}

ensure_mdbook
command -v python3 >/dev/null 2>&1 || apt_install python3
rm -rf docs/book
# mdBook only logs some failures (an {{#include}} of a missing file): any warning or
# error it prints fails the check.
build_log=$(mdbook build docs 2>&1) || { echo "$build_log" >&2; exit 1; }
if grep -qE '\b(WARN|ERROR)\b' <<<"$build_log"; then
  grep -vE '\bINFO\b' <<<"$build_log" >&2
  echo "documentation: mdbook build reported problems" >&2
  exit 1
fi
python3 scripts/lib/check_doc_links.py docs/book
