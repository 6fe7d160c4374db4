#!/usr/bin/env bash
# A misspelt key is an error naming the file, line and column, and the run exits 3 untouched.
. "$(dirname "$0")/common.sh"
copy_config

line=$(grep -n '^ *max_spread_pct:' "$t/config/screener.yaml" | head -1 | cut -d: -f1)
[ -n "$line" ] || fail "shipped config has no max_spread_pct"
sed -i "${line}s/max_spread_pct/max_sprad_pct/" "$t/config/screener.yaml"

run_screener scan
expect_rc 3
expect_err "screener.yaml:$line:[0-9]+: .*max_sprad_pct"
expect_err "did you mean 'max_spread_pct'"
[ "$(wc -l <"$t/err")" -eq 1 ] || fail "error is not one line"
[ ! -e "$db" ] || fail "database created despite bad config"
