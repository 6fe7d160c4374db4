#!/usr/bin/env bash
# The operations scripts and the CLI tests that exercise them pass shellcheck cleanly.
# shellcheck source=tests/cli/common.sh
. "$(dirname "$0")/common.sh"

command -v shellcheck >/dev/null 2>&1 || { echo "shellcheck not installed: skipped"; exit 125; }
scripts=("$src"/scripts/*.sh)
for name in cleanup cleanup_killed backup_verify backup_restore backup_script \
  health_check_script deploy_files shellcheck; do
  scripts+=("$src/tests/cli/$name.sh")
done
# -x follows `. common.sh` (paths relative to the repository root, where this runs).
shellcheck -x "${scripts[@]}" >"$t/out" 2>&1 || fail "shellcheck found problems"
echo "shellcheck clean: ${#scripts[@]} scripts"
