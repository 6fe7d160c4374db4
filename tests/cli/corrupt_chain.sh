#!/usr/bin/env bash
# A corrupted chain file for one symbol: exit 1, that symbol in run_errors, the rest stored.
. "$(dirname "$0")/common.sh"
copy_sample

chain=$t/sample/marketdata/options/chain/NVDA.json
[ -f "$chain" ] || fail "sample has no NVDA chain"
head -c 2000 "$chain" >"$chain.tmp" && mv "$chain.tmp" "$chain"

run_screener scan
expect_rc 1
expect_out 'NVDA \[chain\]'
expect_out '^degraded: '
expect_err '"event":"error_occurred".*"symbol":"NVDA"'
expect_sql "select status, exit_code, symbols_failed from runs" "degraded|1|1"
expect_sql "select symbol, stage from run_errors" "NVDA|chain"
expect_sql "select count(*) from run_errors where message like '%NVDA%' and message like '%NVDA.json%'" 1
expect_sql "select count(*) from results where symbol = 'NVDA'" 0
others=$(sql "select count(distinct symbol) from results")
[ "$others" -gt 3 ] || fail "other symbols' results were not stored ($others)"
