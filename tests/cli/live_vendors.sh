#!/usr/bin/env bash
# config/production.yaml against the fake vendor server: pointing it at another host is the two
# base_url lines. A first run fetches and pays; a same-day rerun is served from the cache (0
# credits); the keys never reach output, logs or the database.
. "$(dirname "$0")/common.sh"

fake=${FAKE_VENDOR_BIN:?FAKE_VENDOR_BIN must point at fake_vendor_server}
eodhd_key=eodhd-SECRET-31c4e5f6a7b8
md_key=mdapp-SECRET-0d9c8b7a6f5e
"$fake" --port 0 --symbols 10 --token-eodhd "$eodhd_key" --token-marketdata "$md_key" \
  >"$t/fake.out" 2>"$t/fake.err" &
fake_pid=$!
trap 'rc_=$?; kill $fake_pid 2>/dev/null; wait $fake_pid 2>/dev/null; [ $rc_ -eq 0 ] && rm -rf "$t"; exit $rc_' EXIT
for _ in $(seq 100); do
  grep -q listening "$t/fake.out" 2>/dev/null && break
  sleep 0.05
done
port=$(sed -n 's/^listening on 127.0.0.1:\([0-9]*\)$/\1/p' "$t/fake.out")
[ -n "$port" ] || fail "the fake vendor server did not start"

mkdir -p "$t/config"
sed -e "s|base_url: https://eodhd.com/api|base_url: http://127.0.0.1:$port/api|" \
    -e "s|base_url: https://api.marketdata.app|base_url: http://127.0.0.1:$port|" \
    "$src/config/production.yaml" >"$t/config/screener.yaml"
cp "$src/config/sectors.csv" "$t/config/"
[ "$(diff "$src/config/production.yaml" "$t/config/screener.yaml" | grep -c '^>')" -eq 2 ] ||
  fail "more than the two base_url lines changed"

export EODHD_API_KEY=$eodhd_key MARKETDATA_TOKEN=$md_key
args=(scan --config "$t/config/screener.yaml" --as-of 2026-11-20
      --symbols SYM0001,SYM0002,SYM0003,SYM0004 --log-format json -v)
run_screener "${args[@]}"
expect_rc 0
expect_out "data: eodhd, marketdata"
expect_err '"event":"api_call"'
paid=$(sql "select count(*) from api_calls where run_id = 1 and cache_hit = 0 and credits > 0")
[ "$paid" -ge 8 ] || fail "expected at least 8 paid calls in the first run, got $paid"
expect_sql "select count(*) from runs where id = 1 and status = 'ok'" 1

run_screener "${args[@]}"
expect_rc 0
expect_sql "select cast(coalesce(sum(credits), 0) as integer) from api_calls where run_id = 2" 0
expect_sql "select count(*) from api_calls where run_id = 2 and cache_hit = 0" 0

for s in "$eodhd_key" "$md_key"; do
  ! grep -q "$s" "$t/out" "$t/err" || fail "key printed"
  ! grep -qa "$s" "$db" "$db-wal" 2>/dev/null || fail "key stored in the database"
done
