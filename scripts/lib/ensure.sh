# shellcheck shell=bash
# Helpers that make sure a prerequisite is present, installing it through the system
# package manager when that is possible and saying exactly what to install otherwise.
# Sourced by scripts/*.sh.

TALLY_REDIS_URL="${TALLY_REDIS_URL:-redis://127.0.0.1:6379}"

apt_install() {
  # As root, or through passwordless sudo (as on GitHub's hosted runners).
  local as_root=()
  [ "$(id -u)" = 0 ] || as_root=(sudo -n)
  if command -v apt-get >/dev/null 2>&1 && { [ "$(id -u)" = 0 ] || sudo -n true 2>/dev/null; }; then
    echo "installing $* with apt-get" >&2
    if ! "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$@" >/dev/null 2>&1; then
      "${as_root[@]}" apt-get update -q >/dev/null 2>&1 || true
      "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$@" >/dev/null
    fi
  else
    echo "missing: install the Debian/Ubuntu package(s) $* (or your system's equivalent)" >&2
    return 1
  fi
}

redis_answers() {
  local hostport="${TALLY_REDIS_URL#redis://}"
  hostport="${hostport%%/*}"
  local host="${hostport%%:*}" port="${hostport##*:}"
  [ "$port" = "$hostport" ] && port=6379
  if command -v redis-cli >/dev/null 2>&1; then
    redis-cli -h "$host" -p "$port" ping 2>/dev/null | grep -q PONG
  else
    (exec 3<>"/dev/tcp/$host/$port" && printf 'PING\r\n' >&3 && head -c 5 <&3 | grep -q PONG) 2>/dev/null
  fi
}

ensure_redis() {
  if redis_answers; then return 0; fi
  command -v redis-server >/dev/null 2>&1 || apt_install redis-server redis-tools
  local hostport="${TALLY_REDIS_URL#redis://}"
  hostport="${hostport%%/*}"
  local port="${hostport##*:}"
  [ "$port" = "$hostport" ] && port=6379
  echo "starting redis-server on 127.0.0.1:$port" >&2
  mkdir -p .tally
  redis-server --daemonize yes --bind 127.0.0.1 --port "$port" --save "" --appendonly no \
    --dir "$PWD/.tally" --logfile "$PWD/.tally/redis.log"
  for _ in $(seq 50); do redis_answers && return 0; sleep 0.1; done
  echo "redis-server did not answer on port $port; see .tally/redis.log" >&2
  return 1
}

# The synthetic dataset generator draws with two faces of fonts-thai-tlwg (Laksaman
# for print, Purisa for handwriting); another Thai font does not stand in for them.
ensure_thai_fonts() {
  if command -v fc-list >/dev/null 2>&1 && fc-list : family | grep -qx 'Purisa' \
    && fc-list : family | grep -qx 'Laksaman'; then
    return 0
  fi
  if ls /usr/share/fonts/*/tlwg/Purisa.* /usr/share/fonts/*/tlwg/Laksaman.* >/dev/null 2>&1; then return 0; fi
  apt_install fonts-thai-tlwg
}

# The local OCR model tesseract-tha (shared/ocr) runs the tesseract program with its
# Thai language data; its tests fail, never skip, when either is missing.
ensure_tesseract() {
  if command -v tesseract >/dev/null 2>&1 && tesseract --list-langs 2>/dev/null | grep -qx tha; then
    return 0
  fi
  apt_install tesseract-ocr tesseract-ocr-tha
}

# The web UI tests (api/tests/browser) drive Debian's headless Chromium through
# chromedriver. They fail, never skip, when it is missing.
ensure_chromium() {
  if [ -x /usr/bin/chromium ] && command -v chromedriver >/dev/null 2>&1; then return 0; fi
  apt_install chromium chromium-driver
}

# The GitHub Action's scripts (action/, run by cli/tests/action.rs) need jq and curl.
ensure_action_tools() {
  command -v jq >/dev/null 2>&1 || apt_install jq
  command -v curl >/dev/null 2>&1 || apt_install curl
}

# The tests start Redis servers of their own (a small maxmemory, a pause) and a
# primary, a replica and sentinels for the failover test, beside the shared one.
ensure_private_redis() {
  command -v redis-server >/dev/null 2>&1 || apt_install redis-server redis-tools
  command -v redis-sentinel >/dev/null 2>&1 || apt_install redis-sentinel
}

# The ddtrace checks (tools/datadog-emulator/sdk-check, run by datadog-emulator's
# sdk_check test and the worker's ddtrace round trip) make a venv and pip-install
# the pinned ddtrace into it from PyPI: they need python3 with its venv module.
ensure_python_venv() {
  if command -v python3 >/dev/null 2>&1 && python3 -c 'import ensurepip, venv' 2>/dev/null; then
    return 0
  fi
  apt_install python3 python3-venv
}
