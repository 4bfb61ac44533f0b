# shellcheck shell=bash
# Background daemons of scripts/demo.sh and the GitHub Action's self-contained mode:
# each runs with its log in "$DAEMON_STATE/NAME.log" and its pid in
# "$DAEMON_STATE/NAME.pid", so that a later script can check on it and stop it.
# Sourced; the caller sets DAEMON_STATE (a folder).

# start_daemon NAME COMMAND… — runs COMMAND in the background.
start_daemon() {
  local name=$1; shift
  mkdir -p "$DAEMON_STATE"
  "$@" >"$DAEMON_STATE/$name.log" 2>&1 &
  echo $! >"$DAEMON_STATE/$name.pid"
}

# wait_http PORT PATH WHAT — waits until GET http://127.0.0.1:PORT/PATH answers 200;
# fails when a daemon of DAEMON_STATE died (showing the end of its log) or after 30 s.
wait_http() {
  local port=$1 path=$2 what=$3
  for _ in $(seq 150); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port" &&
        printf 'GET %s HTTP/1.0\r\nHost: localhost\r\n\r\n' "$path" >&3 &&
        head -1 <&3 | grep -q ' 200 ') 2>/dev/null; then
      return 0
    fi
    local pid_file
    for pid_file in "$DAEMON_STATE"/*.pid; do
      [ -e "$pid_file" ] || continue
      if ! kill -0 "$(cat "$pid_file")" 2>/dev/null; then
        local name; name=$(basename "$pid_file" .pid)
        echo "$name stopped; its log ($DAEMON_STATE/$name.log) ends:" >&2
        tail -20 "$DAEMON_STATE/$name.log" >&2
        return 1
      fi
    done
    sleep 0.2
  done
  echo "$what did not answer on port $port; see $DAEMON_STATE/*.log" >&2
  return 1
}

# stop_daemons [GRACE_SECONDS] — SIGTERM to every daemon of DAEMON_STATE (workers
# finish their records in flight), then waits up to GRACE_SECONDS (default 0: no
# wait) for them to exit before SIGKILL.
stop_daemons() {
  local grace=${1:-0} pid_file pid pids=()
  for pid_file in "$DAEMON_STATE"/*.pid; do
    [ -e "$pid_file" ] || continue
    pid=$(cat "$pid_file")
    if kill -0 "$pid" 2>/dev/null; then
      kill -TERM "$pid" && echo "stopped $(basename "$pid_file" .pid) ($pid)" >&2
      pids+=("$pid")
    fi
    rm -f "$pid_file"
  done
  [ "$grace" -gt 0 ] || return 0
  local deadline=$((SECONDS + grace))
  for pid in "${pids[@]}"; do
    while kill -0 "$pid" 2>/dev/null && [ "$SECONDS" -lt "$deadline" ]; do sleep 0.1; done
    kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null
  done
  return 0
}
