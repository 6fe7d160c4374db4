#!/usr/bin/env bash
# Usage errors exit 3 with one line; --help and --version exit 0.
. "$(dirname "$0")/common.sh"

run_screener scan --no-such-option
expect_rc 3
expect_err '^screener: usage error: .*no-such-option'
[ "$(wc -l <"$t/err")" -eq 1 ] || fail "usage error is not one line"

run_screener
expect_rc 3
run_screener frobnicate
expect_rc 3
run_screener scan --output xml
expect_rc 3
run_screener scan --limit 0
expect_rc 3
run_screener scan --as-of 2026-13-01
expect_rc 3
expect_err 'as-of'
run_screener scan --as-of 2026-11-19
expect_rc 3
expect_err 'snapshot of 2026-11-20'
run_screener scan --profile nosuch
expect_rc 3
expect_err "unknown profile 'nosuch'"
run_screener scan --symbols 'AAPL,$$$'
expect_rc 3
run_screener --config "$t/missing.yaml" scan
expect_rc 3
expect_err 'missing.yaml'
[ ! -e "$db" ] || fail "a usage error created the database"

run_screener --help
expect_rc 0
expect_out 'Example'
run_screener scan --help
expect_rc 0
expect_out 'screener scan --profile premarket'
run_screener --version
expect_rc 0
expect_out '^screener [0-9]+\.[0-9]+\.[0-9]+'
