#!/usr/bin/env bash
# screener cleanup: retention per table, picks awaiting grading and running runs kept, rotated
# log files only, a dry run that changes nothing, alert_state untouched, and every exit path.
# shellcheck source=tests/cli/common.sh
. "$(dirname "$0")/common.sh"

copy_config
cfg=$t/config/screener.yaml
sed -i 's|^  file: ""  .*|  file: logs/screener.log|' "$cfg"
grep -q '^  file: logs/screener.log' "$cfg" || fail "could not set logging.file"
# The shipped retention, which the expectations below rely on.
for key in "runs_days: 90" "api_calls_days: 30" "run_errors_days: 30" "iv_history_days: 400" \
  "log_files_days: 14" "grading_grace_days: 30"; do
  grep -q "^  $key" "$cfg" || fail "config/screener.yaml no longer has retention $key"
done
mkdir -p "$t/data/logs"

run_screener scan
expect_rc 0
n_results=$(sql "select count(*) from results where run_id = 1")
n_quality=$(sql "select count(*) from chain_quality where run_id = 1")
{ [ "$n_results" -gt 0 ] && [ "$n_quality" -gt 0 ]; } || fail "the scan stored no results"

# Old runs (2020): 2 graded long ago (goes), 3 with a pick expiring in 10 days (awaits grading),
# 4 still marked running, 5 whose picks expired 10 days ago (inside the 30-day grace: kept),
# 6 whose picks expired 40 days ago (outside the grace: goes).
sql "
insert into runs (id, execution_id, command, status, started_at) values
  (2, 'old-graded', 'scan', 'ok', '2020-01-02T06:30:00.000Z'),
  (3, 'old-awaiting', 'scan', 'ok', '2020-01-02T06:30:00.000Z'),
  (4, 'old-running', 'scan', 'running', '2020-01-02T06:30:00.000Z'),
  (5, 'old-in-grace', 'scan', 'ok', '2020-01-02T06:30:00.000Z'),
  (6, 'old-past-grace', 'scan', 'degraded', '2020-01-02T06:30:00.000Z');
insert into results (run_id, rank, symbol, strategy, legs, expiration, dte, flags, metrics)
  select r.id, x.rank, x.symbol, x.strategy, x.legs,
         case r.id when 2 then '2020-02-21' when 3 then date('now', '+10 days')
                   when 5 then date('now', '-10 days') else date('now', '-40 days') end,
         x.dte, x.flags, x.metrics
  from results x, runs r where x.run_id = 1 and r.id in (2, 3, 4, 5, 6);
insert into chain_quality (run_id, symbol, contracts, usable, grade, rankable, rejections, repairs)
  select 2, symbol, contracts, usable, grade, rankable, rejections, repairs from chain_quality where run_id = 1;
insert into run_errors (run_id, symbol, stage, message, created_at) values
  (2, 'AAA', 'chain', 'old error of a deleted run', '2020-01-02T06:31:00.000Z'),
  (1, 'BBB', 'chain', 'old error of a kept run', '2020-01-02T06:31:00.000Z'),
  (1, 'CCC', 'chain', 'recent error', strftime('%Y-%m-%dT%H:%M:%fZ', 'now'));
insert into api_calls (run_id, ts, provider, endpoint, status) values
  (2, '2020-01-02T06:30:01.000Z', 'sample', 'chain', 200),
  (null, '2020-01-02T06:30:01.000Z', 'eodhd', 'bulk', 200),
  (3, '2020-01-02T06:30:01.000Z', 'sample', 'chain', 200);
insert into iv_history (symbol, date, atm_iv) values ('OLD', '2020-01-02', 0.3),
  ('NEW', date('now', '-100 days'), 0.3);
insert into http_cache (key, fetched, expires, body) values
  ('gone', '2020-01-01T00:00:00.000Z', '2020-01-02T00:00:00.000Z', x'00'),
  ('fresh', '2020-01-01T00:00:00.000Z', '2999-01-01T00:00:00.000Z', x'00');
insert into alert_state (key, last_status, last_sent_at) values ('scan', 'ok', '2020-01-01T00:00:00.000Z');
" || fail "cannot seed the database"

# Log files: rotated and old go; the live file, new ones and other names stay.
logs=$t/data/logs
for f in screener.log screener.log.1 screener.log.2.gz screener.log-20200101 screener.log.3 other.log.1 screener.logx; do
  echo line >"$logs/$f"
done
touch -d '30 days ago' "$logs/screener.log" "$logs/screener.log.1" "$logs/screener.log.2.gz" \
  "$logs/screener.log-20200101" "$logs/other.log.1" "$logs/screener.logx"

fingerprint() {
  for table in runs results chain_quality run_errors api_calls iv_history http_cache alert_state; do
    printf '%s=%s ' "$table" "$(sql "select count(*) from $table")"
  done
  sqlite3 "$db" .dump | sha256sum | cut -d' ' -f1
}
before=$(fingerprint)

# --- dry run: reports, changes nothing --------------------------------------------------
run_screener cleanup --dry-run --format json
expect_rc 0
jq -e '.dry_run == true and .status == "ok"' "$t/out" >/dev/null || fail "dry run JSON header"
jq -e --argjson r "$n_results" --argjson q "$n_quality" '
  .deleted.runs == 2 and .deleted.results == 2 * $r and .deleted.chain_quality == $q and
  .deleted.run_errors == 2 and .deleted.api_calls == 3 and .deleted.iv_history == 1 and
  .deleted.http_cache == 1 and .deleted.log_files == 3 and
  .kept.runs_awaiting_grading == 2 and .kept.runs_still_running == 1' "$t/out" >/dev/null ||
  fail "dry run counts: $(jq -c '.deleted, .kept' "$t/out")"
[ "$(fingerprint)" = "$before" ] || fail "the dry run changed the database"
for f in screener.log.1 screener.log.2.gz screener.log-20200101; do
  [ -f "$logs/$f" ] || fail "the dry run removed $f"
done
run_screener cleanup --dry-run
expect_rc 0
expect_out "^cleanup \(dry run\): would delete 2 runs"
[ "$(fingerprint)" = "$before" ] || fail "the text dry run changed the database"

# --- the real pass ------------------------------------------------------------------------
run_screener cleanup --format json
expect_rc 0
jq -e '.dry_run == false and .deleted.runs == 2 and .deleted.log_files == 3' "$t/out" >/dev/null ||
  fail "cleanup counts: $(jq -c '.deleted' "$t/out")"
jq -e '.space_before.bytes > 0 and .space_after.bytes > 0 and (.reclaim | test("^(none|vacuum|incremental_vacuum)$"))' \
  "$t/out" >/dev/null || fail "space report"
expect_sql "select group_concat(id) from (select id from runs order by id)" "1,3,4,5"
expect_sql "select count(*) from results where run_id in (2, 6)" 0
expect_sql "select count(*) from results where run_id = 3" "$n_results"
expect_sql "select count(*) from chain_quality where run_id = 2" 0
expect_sql "select count(*) from chain_quality where run_id = 1" "$n_quality"
expect_sql "select group_concat(symbol) from run_errors" "CCC"
# api_calls go by their own age too, even those of a run kept for grading (run 3's).
expect_sql "select count(*) from api_calls where ts < '2021'" 0
expect_sql "select count(*) from api_calls where run_id = 1 and ts > '2021'" "$(sql "select count(*) from api_calls where run_id = 1")"
expect_sql "select group_concat(symbol) from iv_history where symbol in ('OLD', 'NEW')" NEW
expect_sql "select key from http_cache" "fresh"
expect_sql "select key || ' ' || last_status from alert_state" "scan ok"
expect_sql "pragma foreign_key_check" ""
expect_sql "pragma integrity_check" "ok"
for f in screener.log.1 screener.log.2.gz screener.log-20200101; do
  [ ! -e "$logs/$f" ] || fail "$f was not removed"
done
for f in screener.log screener.log.3 other.log.1 screener.logx; do
  [ -f "$logs/$f" ] || fail "$f was removed"
done

# A second pass finds nothing more (idempotent), in text form.
run_screener cleanup
expect_rc 0
expect_out "^cleanup: deleted 0 runs"
expect_out "kept: 2 old runs with picks awaiting grading"

# --- exit paths ------------------------------------------------------------------------
# A rotated log file that cannot be removed: degraded (1), named in the output, rows still
# cleaned. An immutable file resists even root; skipped where chattr is not allowed.
stuck=$logs/screener.log.9
echo line >"$stuck"
touch -d '30 days ago' "$stuck"
if chattr +i "$stuck" 2>/dev/null; then
  run_screener cleanup
  chattr -i "$stuck"
  expect_rc 1
  expect_out "log file not deleted $stuck \(5 B\): Operation not permitted"
  expect_out "warning: cannot remove log file $stuck"
else
  echo "chattr +i not permitted here: the degraded path is not exercised"
fi
rm -f "$stuck"

run_screener cleanup --format xml
expect_rc 3
run_screener cleanup --bogus
expect_rc 3
expect_err "usage error"

cp "$cfg" "$t/good.yaml"
sed -i 's/iv_history_days: 400/iv_history_days: 100/' "$cfg"
run_screener cleanup
expect_rc 3
expect_err "retention.iv_history_days: must be 0 \(keep all\) or at least 366"
cp "$t/good.yaml" "$cfg"
sed -i 's/runs_days: 90/runs_dayz: 90/' "$cfg"
run_screener cleanup --dry-run
expect_rc 3
expect_err "did you mean 'runs_days'"
cp "$t/good.yaml" "$cfg"

# Missing database, and a file that is not a database: exit 2, nothing created or changed.
export SCREENER_DATA_DIR=$t/empty
mkdir -p "$t/empty"
run_screener cleanup
expect_rc 2
expect_err "$t/empty/screener.db"
[ ! -e "$t/empty/screener.db" ] || fail "cleanup created a database"
echo "not sqlite" >"$t/empty/screener.db"
run_screener cleanup --dry-run
expect_rc 2
grep -q "not sqlite" "$t/empty/screener.db" || fail "the bad file was changed"
