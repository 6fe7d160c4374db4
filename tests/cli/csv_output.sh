#!/usr/bin/env bash
# --output csv: a header and one row per result, same ranking as JSON.
. "$(dirname "$0")/common.sh"

run_screener scan --output csv --limit 3 --dry-run
expect_rc 0
head -1 "$t/out" | grep -q '^rank,symbol,strategy,expiration,dte,strike,' || fail "bad CSV header"
[ "$(wc -l <"$t/out")" -eq 4 ] || fail "expected header + 3 rows"
cols=$(head -1 "$t/out" | awk -F, '{print NF}')
awk -F, -v n="$cols" 'NF != n { exit 1 }' "$t/out" || fail "rows with a different column count"
