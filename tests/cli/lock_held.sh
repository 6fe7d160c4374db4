#!/usr/bin/env bash
# A second scan while one runs exits 3 naming the lock file, and touches nothing.
. "$(dirname "$0")/common.sh"

run_screener scan
expect_rc 0
expect_sql "select count(*) from runs" 1
before=$(sha256sum "$db" | cut -d' ' -f1)

# Hold the very lock a running scan holds (flock on data/screener.lock) from another process.
# The subshell becomes `sleep` itself (exec), so killing $holder really releases the lock.
(exec 9>"$t/data/screener.lock" && flock -x 9 && touch "$t/locked" && exec sleep 30) &
holder=$!
for _ in $(seq 100); do [ -e "$t/locked" ] && break; sleep 0.1; done
[ -e "$t/locked" ] || fail "could not take the lock"

run_screener scan
kill "$holder" 2>/dev/null
wait "$holder" 2>/dev/null
expect_rc 3
expect_err "another screener run holds $t/data/screener.lock"
expect_sql "select count(*) from runs" 1
[ "$(sha256sum "$db" | cut -d' ' -f1)" = "$before" ] || fail "database changed while locked out"

# Once the holder is gone the next scan runs.
run_screener scan
expect_rc 0
expect_sql "select count(*) from runs where status = 'ok'" 2
