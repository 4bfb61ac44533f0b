#!/usr/bin/env bash
# Builds the binaries this job needs from the action's own sources: the tally CLI,
# and in self-contained mode tally-api, tally-worker and gemini-emulator too.
# INPUT_CARGO_PROFILE picks the cargo profile (release by default; dev builds
# faster and runs slower). Saves TALLY_BIN_DIR, the folder of the binaries.
set -euo pipefail
# shellcheck source=action/lib/common.sh
source "$(dirname "$0")/lib/common.sh"
load_settings
require MODE

profile="${INPUT_CARGO_PROFILE:-release}"
packages=(-p tally-cli)
if [ "$MODE" = self-contained ]; then
  packages+=(-p tally-api -p tally-worker -p gemini-emulator)
fi
command -v cargo >/dev/null 2>&1 || {
  error "cargo is needed to build tally (install a Rust toolchain first, e.g. with rustup)"
  exit 1
}
echo "building ${packages[*]} (cargo profile $profile)" >&2
(cd "$ACTION_ROOT" && cargo build --locked --bins --profile "$profile" "${packages[@]}")

# Cargo's "dev" profile writes to target/debug; every other profile to its own name.
folder=$profile
[ "$profile" = dev ] && folder=debug
save_setting TALLY_BIN_DIR "${CARGO_TARGET_DIR:-$ACTION_ROOT/target}/$folder"
set_output bin-dir "$TALLY_BIN_DIR"
