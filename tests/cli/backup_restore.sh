#!/usr/bin/env bash
# The disaster-recovery round trip of docs/operations.md ("Restore the database"): scan, back
# up with scripts/backup_data.sh, lose the database, restore it by the runbook, and the restored
# database verifies, health finds it ok, and it takes the next scan.
# shellcheck source=tests/cli/common.sh
. "$(dirname "$0")/common.sh"

copy_config
echo "EODHD_API_KEY=not-a-real-key" >"$t/config/.env"
backups=$t/data/backups

run_screener scan
expect_rc 0
run_screener scan --profile premarket
expect_rc 0
runs_before=$(sql "select count(*) from runs")
results_before=$(sql "select count(*) from results")

SCREENER_DB=$db SCREENER_CONFIG_DIR=$t/config SCREENER_BACKUP_DIR=$backups \
  "$src/scripts/backup_data.sh" >"$t/backup.out" 2>"$t/backup.err" || fail "backup failed: $(cat "$t/backup.err")"
run_screener backup-verify
expect_rc 0

# Disaster: the database and its WAL are gone.
rm -f "$db" "$db-wal" "$db-shm"
run_screener backup-verify # the backup still verifies; the live comparison is skipped
expect_rc 0
expect_out "live +OK +not compared"

# Runbook: newest archive, check it, extract, put the database back (owner and mode 0600).
archive=$(find "$backups" -maxdepth 1 -name 'screener-backup-*.tar.gz' | sort | tail -n 1)
(cd "$backups" && sha256sum --check --quiet "$(basename "$archive").sha256") || fail "sha256sum --check failed"
restore=$t/restore
mkdir -p "$restore"
tar -xzf "$archive" -C "$restore" --no-same-owner
name=$(basename "$archive" .tar.gz)
[ "$(sqlite3 "$restore/$name/db/screener.db" 'pragma integrity_check')" = ok ] || fail "restored copy not ok"
install -m 0600 "$restore/$name/db/screener.db" "$db"
[ -f "$restore/$name/config/screener.yaml" ] || fail "config dir missing from the archive"
grep -q "not-a-real-key" "$restore/$name/env/.env" || fail ".env missing from the archive"
[ "$(stat -c %a "$archive")" = 600 ] || fail "archive mode is not 0600"

expect_sql "select count(*) from runs" "$runs_before"
expect_sql "select count(*) from results" "$results_before"
run_screener backup-verify
expect_rc 0
expect_out "same newest rows as the live database"
# health sees a whole, current database again (CPU and memory depend on the machine, so only
# the restored database's checks are judged).
run_screener health --no-probe --format json
jq -e '.checks.database.status == "ok" and .checks.database.quick_check == "ok" and
       .checks.database.schema_version > 0' "$t/out" >/dev/null ||
  fail "health does not see the restored database as ok"
run_screener scan
expect_rc 0
expect_sql "select count(*) from runs" $((runs_before + 1))
