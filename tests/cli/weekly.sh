#!/usr/bin/env bash
# `screener weekly` on the sample market: its own run, every past pick examined, a JSON report;
# a rerun grades nothing twice; bad arguments exit 3.
. "$(dirname "$0")/common.sh"

run_screener scan
expect_rc 0
run_screener weekly --format json
expect_rc 0
jq -e . "$t/out" >/dev/null || fail "stdout is not JSON"
jq -e '.status == "ok" and .exit_code == 0 and .as_of == "2026-11-20" and .since == "2025-11-20"' \
  "$t/out" >/dev/null || fail "bad header fields"
jq -e '.scan.status == "ok" and .scan.symbols_screened > 0' "$t/out" >/dev/null ||
  fail "the weekly profile was not scanned"
# The daily picks and the weekly run's own were made on the snapshot day: all still open.
picks=$(sql "select count(*) from results")
jq -e --argjson n "$picks" '.grading.picks == $n and .grading.open == $n and .grading.graded == 0' \
  "$t/out" >/dev/null || fail "grading did not examine every stored pick"
jq -e '.week.runs == 2 and .week.ok == 2 and (.week.providers | length) >= 1' "$t/out" >/dev/null ||
  fail "week summary wrong"
expect_sql "select command || ' ' || status from runs order by id" "scan ok
weekly ok"
# No API key in the sample setup: the AI write-up is skipped, the exit code unaffected.
jq -e '.writeup.status == "skipped" and (.writeup.reason | length) > 0 and .writeup.summary == null
       and .writeup.observations == [] and .writeup.templated == false' "$t/out" >/dev/null ||
  fail "writeup not reported as skipped"
expect_sql "select count(*) from pick_outcomes where status = 'open'" "$picks"

# A graded pick is never graded again: mark one final by hand, rerun, it is untouched.
sql "update pick_outcomes set status = 'graded', outcome = 'expired_worthless', win = 1,
     pnl_per_share = 1.25, return_on_capital = 0.01, written_at = 'KEEP'
     where result_id = (select min(result_id) from pick_outcomes)"
run_screener weekly --no-scan
expect_rc 0
expect_out "Grading: $((picks - 1)) pick"
expect_out "Calibration of picks made since 2025-11-20"
expect_out "AI write-up: skipped"
expect_sql "select count(*) from pick_outcomes where written_at = 'KEEP'" 1
expect_sql "select count(*) from calibration where profile = '*' and strategy = '*' and picks = 1" 1

run_screener weekly --since yesterday
expect_rc 3
expect_err "--since yesterday: expected a date"
run_screener weekly --format xml
expect_rc 3
