#!/usr/bin/env bash
# The README's main job: a scan of the bundled sample market prints a ranked table, exits 0 and
# leaves one "ok" run with its results in the database.
. "$(dirname "$0")/common.sh"

run_screener scan
expect_rc 0
expect_out '^screener scan \| profile daily \| as of 2026-11-20 \| data: sample market \(synthetic\)'
expect_out 'SYNTHETIC SAMPLE MARKET'
expect_out '^ +1  [A-Z]+ +(CSP|CC|BPS|BCS|IC|LC|LP) '
expect_out '^ok: screened [0-9]+ of [0-9]+ symbols'
expect_err '"event":"screening_started"'
expect_err '"event":"screening_completed"'

expect_sql "select count(*) from runs" 1
expect_sql "select status, exit_code, command, profile from runs" "ok|0|scan|daily"
expect_sql "select symbols_failed from runs" 0
results=$(sql "select count(*) from results")
[ "$results" -gt 0 ] || fail "no results stored"
expect_sql "select opportunities = $results from runs" 1
# Ranks are 1..N without gaps and every stored pick carries its metrics.
expect_sql "select min(rank) = 1 and max(rank) = count(*) from results" 1
expect_sql "select count(*) from results where json_valid(metrics) = 0 or pop <= 0 or pop >= 1" 0
# The same ranking is printed and stored: first row of each.
first_printed=$(grep -E '^ +1  ' "$t/out" | awk '{print $2}')
first_stored=$(sql "select symbol from results where rank = 1")
[ "$first_printed" = "$first_stored" ] || fail "printed '$first_printed' vs stored '$first_stored'"
# Results are ordered by score, best first.
expect_sql "select count(*) from results a join results b on a.run_id = b.run_id and b.rank = a.rank + 1 where b.score > a.score" 0
# Every file read from the sample market is recorded like a vendor call: one bulk snapshot, one
# earnings calendar, then history and chain per screened symbol.
screened=$(sql "select symbols_screened from runs")
expect_sql "select count(*) from api_calls where run_id = 1 and status = 200" $((2 + 2 * screened))
expect_sql "select count(distinct endpoint) from api_calls" 4
# One ATM IV per screened symbol feeds the IV history.
expect_sql "select count(*) from iv_history where date = '2026-11-20'" "$screened"
