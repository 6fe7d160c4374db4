#!/usr/bin/env bash
# --output json is valid JSON with the documented fields (docs/output.md).
. "$(dirname "$0")/common.sh"

run_screener scan --output json --limit 5
expect_rc 0
jq -e . "$t/out" >/dev/null || fail "stdout is not JSON"
jq -e '.schema_version == 1 and .status == "ok" and .exit_code == 0' "$t/out" >/dev/null ||
  fail "bad status fields"
jq -e '.synthetic == true and .as_of == "2026-11-20" and .profile == "daily"' "$t/out" >/dev/null ||
  fail "bad header fields"
jq -e '(.results | length) == 5 and ([.results[].rank] == [1,2,3,4,5])' "$t/out" >/dev/null ||
  fail "--limit 5 not honoured"
jq -e '.results[0] | has("symbol","strategy","expiration","dte","strike","bid","pop","annualized_return","legs","metrics","flags")' \
  "$t/out" >/dev/null || fail "result lacks documented fields"
jq -e '.results[0].metrics.pop_convention | test("breakeven")' "$t/out" >/dev/null ||
  fail "metrics do not name the PoP convention"
jq -e '.run_id > 0' "$t/out" >/dev/null || fail "run id missing"
expect_sql "select count(*) from results" 5
