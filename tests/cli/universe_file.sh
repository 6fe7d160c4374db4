#!/usr/bin/env bash
# A profile whose universe is a file: comments and case are forgiven, a bad line names file:line.
. "$(dirname "$0")/common.sh"
copy_config

cat >"$t/config/watchlist.txt" <<'LIST'
# my watchlist
aapl
KO   # dividends
  msft
LIST
cat >>"$t/config/screener.yaml" <<'YAML'
  fromfile:
    description: symbols from a file
    universe:
      source: file
      file: watchlist.txt
    strategies:
      cash_secured_put:
        dte_min: 7
        dte_max: 60
YAML

run_screener scan --profile fromfile --output json
expect_rc 0
jq -e '.run.counts.symbols_total == 3 and .run.counts.symbols_screened == 3' "$t/out" >/dev/null ||
  fail "expected the 3 symbols of the file"
jq -e '[.results[].symbol] | unique | inside(["AAPL","KO","MSFT"])' "$t/out" >/dev/null ||
  fail "results outside the file's symbols"

echo 'BAD/ONE' >>"$t/config/watchlist.txt"
run_screener scan --profile fromfile
expect_rc 3
expect_err "watchlist.txt:5: 'BAD/ONE' is not a ticker symbol"
# The bad file was caught before anything was locked or stored.
expect_sql "select count(*) from runs" 1
