#!/usr/bin/env bash
# The action's own exit status, last: a run that failed or could not be run fails
# the step; a missed threshold fails it unless INPUT_FAIL_ON_THRESHOLD is false.
set -uo pipefail
# shellcheck source=action/lib/common.sh
source "$(dirname "$0")/lib/common.sh"
load_settings || exit 1

verdict=$(jq -r '.verdict' "$(state_dir)/run-run.json" 2>/dev/null || echo error)
case "$verdict" in
  passed) echo "tally: the run succeeded${INPUT_THRESHOLD:+ and every experiment met overall_accuracy ≥ $INPUT_THRESHOLD}" >&2 ;;
  below-threshold)
    if [ "${INPUT_FAIL_ON_THRESHOLD:-true}" = false ]; then
      warning "overall_accuracy below ${INPUT_THRESHOLD} for at least one experiment"
    else
      error "overall_accuracy below ${INPUT_THRESHOLD} for at least one experiment"
      exit 3
    fi
    ;;
  failed) error "the run did not succeed (see the results table)"; exit 2 ;;
  *) error "tally could not run the experiments (see the log)"; exit 1 ;;
esac
