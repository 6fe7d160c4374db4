#!/usr/bin/env bash
# scripts/health_check.sh passes `screener health`'s exit code (0-3) and arguments through
# unchanged, and answers UNKNOWN (3) for a missing binary or an out-of-range code. A stand-in
# binary plays `screener health` (the subcommand has its own tests).
# shellcheck source=tests/cli/common.sh
. "$(dirname "$0")/common.sh"

script=$src/scripts/health_check.sh
stub=$t/bin/screener
mkdir -p "$t/bin"
cat >"$stub" <<'STUB'
#!/bin/sh
printf '%s\n' "$@" >"$STUB_ARGS"
echo "SCREENER STUB - health"
exit "$STUB_RC"
STUB
chmod +x "$stub"
export STUB_ARGS=$t/args

for code in 0 1 2 3; do
  STUB_RC=$code SCREENER_BIN=$stub "$script" --no-probe --format json -v >"$t/out" 2>"$t/err"
  rc=$?
  [ "$rc" -eq "$code" ] || fail "exit $code came back as $rc"
done
[ "$(tr '\n' ' ' <"$t/args")" = "health --no-probe --format json -v " ] ||
  fail "arguments not passed through: $(cat "$t/args")"
expect_out "^SCREENER STUB - health$"

# Found on PATH when SCREENER_BIN is unset.
STUB_RC=1 PATH=$t/bin:$PATH env -u SCREENER_BIN "$script" >"$t/out" 2>"$t/err"
rc=$?
expect_rc 1

# A crash or other code: UNKNOWN with a line saying so.
STUB_RC=139 SCREENER_BIN=$stub "$script" >"$t/out" 2>"$t/err"
rc=$?
expect_rc 3
expect_out "^SCREENER UNKNOWN - screener health ended with exit code 139"

# No binary: UNKNOWN naming the path.
SCREENER_BIN=$t/bin/nothing-here "$script" >"$t/out" 2>"$t/err"
rc=$?
expect_rc 3
expect_out "^SCREENER UNKNOWN - screener binary not found or not executable: $t/bin/nothing-here"
