#!/usr/bin/env bash
# --output json is valid JSON with the documented fields (docs/output.md).
. "$(dirname "$0")/common.sh"

run_screener scan --output json --limit 5
expect_rc 0
jq -e . "$t/out" >/dev/null || fail "stdout is not JSON"
jq -e '.schema_version == 2 and .run.status == "ok" and .run.exit_code == 0' "$t/out" >/dev/null ||
  fail "bad status fields"
jq -e '.run.synthetic == true and .run.as_of == "2026-11-20" and .run.profile == "daily"' "$t/out" >/dev/null ||
  fail "bad header fields"
jq -e '(.results | length) == 5 and ([.results[].rank] == [1,2,3,4,5])' "$t/out" >/dev/null ||
  fail "--limit 5 not honoured"
jq -e '.results[0] | has("rank","symbol","strategy","expiration","dte","t_years","underlying_price","rate","dividend_yield","legs","fill_price","breakevens","pop","max_profit","max_loss","return_on_capital_annualized","return_on_risk","score","flags","metrics")' \
  "$t/out" >/dev/null || fail "result lacks documented fields"
jq -e '.results[0].metrics.pop_convention | test("breakeven")' "$t/out" >/dev/null ||
  fail "metrics do not name the PoP convention"
jq -e '.run.run_id > 0' "$t/out" >/dev/null || fail "run id missing"
expect_sql "select count(*) from results" 5
# Every result can be recomputed from itself: breakevens from the short strike and the fill,
# max loss of credit verticals as width - credit.
jq -e '[.results[] | select(.strategy == "cash_secured_put") |
        (.breakevens[0] - ((.legs[0].strike) - .fill_price)) | fabs < 1e-9] | all' "$t/out" \
  >/dev/null || fail "cash-secured put breakeven is not strike - fill"
jq -e '[.results[] | select(.strategy == "bull_put_spread" or .strategy == "bear_call_spread") |
        ((.legs[0].strike - .legs[1].strike | fabs) - .fill_price - .max_loss) | fabs < 1e-9] | all' \
  "$t/out" >/dev/null || fail "vertical max loss is not width - credit"
jq -e '[.results[] | .legs[] | select(.type != "stock") | has("action","type","strike","bid","ask","mid","iv","delta")] | all' \
  "$t/out" >/dev/null || fail "legs lack documented fields"
