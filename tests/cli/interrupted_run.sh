#!/usr/bin/env bash
# A run left "running" by a killed process is marked interrupted by the next start.
. "$(dirname "$0")/common.sh"

run_screener scan --limit 3
expect_rc 0
sql "update runs set status = 'running', finished_at = null, exit_code = null where id = 1"
run_screener scan --limit 3
expect_rc 0
expect_sql "select status from runs where id = 1" interrupted
expect_sql "select status from runs where id = 2" ok
expect_err '"event":"runs_marked_interrupted"'
