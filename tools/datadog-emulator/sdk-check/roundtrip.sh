#!/usr/bin/env bash
# The SDK's side of tally's Datadog round trip: runs roundtrip.py (its usage says
# what each step does) with the pinned ddtrace from venv.sh. The caller
# (worker/tests/pipeline/ddtrace.rs) sets DD_LLMOBS_OVERRIDE_ORIGIN, DD_API_KEY,
# DD_APP_KEY and DD_LLMOBS_PROJECT_NAME.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
python="$(bash "$here/venv.sh")"
source "$here/sdk-env.sh"
export DD_LLMOBS_ML_APP=tally-roundtrip
exec "$python" "$here/roundtrip.py" "$@"
