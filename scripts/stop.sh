#!/usr/bin/env bash
# Stops what scripts/demo.sh started (SIGTERM: workers finish their records in
# flight). Redis is left running.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
source scripts/lib/daemons.sh
DAEMON_STATE=.tally/demo
stop_daemons 2>&1
