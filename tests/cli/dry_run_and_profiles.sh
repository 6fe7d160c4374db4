#!/usr/bin/env bash
# --dry-run writes nothing; the premarket profile screens only its watchlist; --symbols narrows.
. "$(dirname "$0")/common.sh"

run_screener scan --dry-run
expect_rc 0
expect_out 'dry run, nothing stored'
[ ! -e "$t/data" ] || fail "dry run created the data dir"

run_screener scan --profile premarket --output json
expect_rc 0
jq -e '.run.profile == "premarket" and .run.counts.symbols_total == 8' "$t/out" >/dev/null ||
  fail "premarket should screen its 8-symbol watchlist"
jq -e '[.results[].strategy] | unique == ["cash_secured_put"]' "$t/out" >/dev/null ||
  fail "premarket runs cash-secured puts only"
jq -e '[.results[].dte] | max <= 21' "$t/out" >/dev/null || fail "premarket DTE window ignored"

run_screener scan --symbols msft,aapl --output json
expect_rc 0
jq -e '[.results[].symbol] | unique == ["AAPL","MSFT"]' "$t/out" >/dev/null ||
  fail "--symbols not honoured"
expect_sql "select profile from runs where id = 2" daily
