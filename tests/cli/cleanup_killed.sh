#!/usr/bin/env bash
# A cleanup killed (SIGKILL) at any point leaves a whole database: integrity_check ok, and the
# retention either fully applied or not at all (one transaction), never half; the next cleanup
# finishes the job. The kill lands at different points on each round (before, inside and after
# the transaction, during the vacuum; where exactly depends on the machine): every outcome is
# checked, none is assumed.
# shellcheck source=tests/cli/common.sh
. "$(dirname "$0")/common.sh"

run_screener scan
expect_rc 0
recent_results=$(sql "select count(*) from results where run_id = 1")
# 200 old runs with 20 results each, long graded: all of it is past retention.
sql "
with recursive n(i) as (select 2 union all select i + 1 from n where i < 201)
insert into runs (id, execution_id, command, status, started_at)
  select i, 'old-' || i, 'scan', 'ok', '2020-01-02T06:30:00.000Z' from n;
insert into results (run_id, rank, symbol, strategy, legs, expiration, dte, flags, metrics)
  select r.id, x.rank, x.symbol, x.strategy, x.legs, '2020-02-21', x.dte, x.flags, x.metrics
  from results x, runs r where x.run_id = 1 and r.id > 1;
" || fail "cannot seed"
old_results=$(sql "select count(*) from results where run_id > 1")
cp "$db" "$t/seeded.db"

for delay in 0 0.02 0.05 0.08 0.1 0.12 0.14 0.16 0.18 0.2 0.3; do
  cp "$t/seeded.db" "$db"
  rm -f "$db-wal" "$db-shm"
  "$bin" cleanup >"$t/out" 2>"$t/err" &
  pid=$!
  sleep "$delay"
  kill -KILL "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
  [ "$(sql 'pragma integrity_check')" = ok ] || fail "integrity after a kill at ${delay}s"
  left=$(sql "select count(*) from results where run_id > 1")
  [ "$left" -eq "$old_results" ] || [ "$left" -eq 0 ] ||
    fail "half-applied retention after a kill at ${delay}s: $left of $old_results old results left"
  runs_left=$(sql "select count(*) from runs where id > 1")
  { [ "$left" -eq 0 ] && [ "$runs_left" -eq 0 ]; } || { [ "$left" -gt 0 ] && [ "$runs_left" -eq 200 ]; } ||
    fail "runs and results disagree after a kill at ${delay}s"
  expect_sql "select count(*) from results where run_id = 1" "$recent_results"
  # The next pass completes whatever the killed one did not.
  run_screener cleanup
  expect_rc 0
  expect_sql "select count(*) from runs where id > 1" 0
  expect_sql "pragma integrity_check" ok
done
