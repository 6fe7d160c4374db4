#!/usr/bin/env bash
# API keys from the environment never reach logs, output or the database.
. "$(dirname "$0")/common.sh"

secret_a=eodhd-SECRET-5f0c1d2e3a4b
secret_b=mdapp-SECRET-9a8b7c6d5e4f
EODHD_API_KEY=$secret_a MARKETDATA_TOKEN=$secret_b "$bin" scan -v --output json >"$t/out" 2>"$t/err"
rc=$?
expect_rc 0
for s in "$secret_a" "$secret_b"; do
  ! grep -q "$s" "$t/out" "$t/err" || fail "secret printed"
  ! grep -qa "$s" "$db" "$db-wal" 2>/dev/null || fail "secret stored in the database"
done
expect_err '"level":"debug"'
