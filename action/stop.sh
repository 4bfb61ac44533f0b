#!/usr/bin/env bash
# Self-contained mode: stops what start.sh started — the workers (given time to
# finish their records in flight), the API, the emulator, Redis if this job started
# it — and deletes the job's keys from a Redis it only borrowed.
set -uo pipefail
# shellcheck source=action/lib/common.sh
source "$(dirname "$0")/lib/common.sh"
load_settings || exit 0
# shellcheck source=scripts/lib/daemons.sh
source "$ACTION_ROOT/scripts/lib/daemons.sh"

DAEMON_STATE="$(state_dir)/daemons"
[ -d "$DAEMON_STATE" ] || exit 0
stop_daemons 40

if [ -f "$DAEMON_STATE/redis-started" ]; then
  url=$(cat "$DAEMON_STATE/redis-started")
  redis-cli -u "$url" shutdown nosave >/dev/null 2>&1
  echo "stopped redis-server ($url)" >&2
  rm -f "$DAEMON_STATE/redis-started"
elif [ -f "$DAEMON_STATE/namespace" ] && command -v redis-cli >/dev/null 2>&1; then
  namespace=$(cat "$DAEMON_STATE/namespace")
  url="${TALLY_REDIS_URL:-redis://127.0.0.1:6379}"
  # The namespace's keys, and the queues' keys, which carry it in braces.
  redis-cli -u "$url" --scan --pattern "*$namespace*" | xargs -r -n 500 redis-cli -u "$url" del >/dev/null
  echo "deleted the keys of namespace $namespace" >&2
fi
rm -f "$DAEMON_STATE/namespace"
exit 0
