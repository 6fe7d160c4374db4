#!/usr/bin/env bash
# scripts/backup_data.sh: one 0600 archive + sha256 per run, environment defaults, retention,
# upload command, clear failures that leave nothing partial, and usage errors.
# shellcheck source=tests/cli/common.sh
. "$(dirname "$0")/common.sh"

script=$src/scripts/backup_data.sh
copy_config
run_screener scan
expect_rc 0
backups=$t/backups
export SCREENER_DB=$db SCREENER_CONFIG_DIR=$t/config SCREENER_BACKUP_DIR=$backups
unset SCREENER_PG_URL SCREENER_REDIS_URL SCREENER_BACKUP_UPLOAD_CMD SCREENER_ENV_FILE SCREENER_BACKUP_RETENTION_DAYS

run_backup() {
  "$script" "$@" >"$t/out" 2>"$t/err"
  rc=$?
}
listing() { find "$backups" -mindepth 1 -maxdepth 1 -printf '%f\n' | sort; }

run_backup --help
expect_rc 0
expect_out "SCREENER_BACKUP_RETENTION_DAYS"

# A backup from the environment defaults.
run_backup
expect_rc 0
archive=$(cat "$t/out")
case $(basename "$archive") in
  screener-backup-[0-9]*T[0-9]*Z.tar.gz) ;;
  *) fail "unexpected archive name $archive" ;;
esac
[ "$(stat -c %a "$archive")" = 600 ] || fail "archive mode $(stat -c %a "$archive")"
[ "$(stat -c %a "$archive.sha256")" = 600 ] || fail "checksum mode"
(cd "$backups" && sha256sum --check --status "$(basename "$archive").sha256") || fail "checksum does not verify"
[ "$(listing | wc -l)" -eq 2 ] || fail "leftovers in the backup dir: $(listing)"
name=$(basename "$archive" .tar.gz)
tar -tzf "$archive" >"$t/members"
grep -qx "$name/db/screener.db" "$t/members" || fail "no database in the archive"
grep -qx "$name/config/screener.yaml" "$t/members" || fail "no config in the archive"
grep -qx "$name/MANIFEST" "$t/members" || fail "no MANIFEST"
grep -q "^$name/env/" "$t/members" && fail ".env archived though there is none"

# Retention: archives (and checksums) older than N days go, newer stay.
old=$backups/screener-backup-20200101T000000Z.tar.gz
echo old >"$old"
echo "x  $(basename "$old")" >"$old.sha256"
touch -d '20 days ago' "$old" "$old.sha256"
recent=$backups/screener-backup-20200102T000000Z.tar.gz
echo recent >"$recent"
touch -d '5 days ago' "$recent"
sleep 1 # a new second, so the next archive gets its own name
run_backup --retention-days 10 --env-file "$t/config/sectors.csv"
expect_rc 0
{ [ ! -e "$old" ] && [ ! -e "$old.sha256" ]; } || fail "retention kept the old archive"
[ -e "$recent" ] || fail "retention removed a recent archive"
expect_err "deleted $old"
tar -tzf "$(cat "$t/out")" | grep -q "/env/.env$" || fail "--env-file not archived"
rm -f "$recent"

# Upload command: gets the archive and checksum paths; its failure fails the run, archive kept.
sleep 1
SCREENER_BACKUP_UPLOAD_CMD="printf '%s\n' >$t/uploaded" run_backup
expect_rc 0
[ "$(head -n 1 "$t/uploaded")" = "$(cat "$t/out")" ] || fail "upload did not get the archive path"
[ "$(sed -n 2p "$t/uploaded")" = "$(cat "$t/out").sha256" ] || fail "upload did not get the checksum path"
sleep 1
count=$(listing | wc -l)
SCREENER_BACKUP_UPLOAD_CMD="false" run_backup
expect_rc 2
expect_err "upload command failed"
[ "$(listing | wc -l)" -eq $((count + 2)) ] || fail "archive not kept after a failed upload"

# A hot copy while a scan writes: every archive holds a whole database, whatever the overlap
# turned out to be (the script's own quick_check passed; integrity_check it again here).
for round in 1 2 3; do
  sleep 1
  "$bin" scan >/dev/null 2>&1 &
  scan_pid=$!
  run_backup
  wait "$scan_pid" || fail "the scan beside the backup failed"
  expect_rc 0
  copy=$t/hot-$round.db
  tar -xzf "$(cat "$t/out")" -O "$(basename "$(cat "$t/out")" .tar.gz)/db/screener.db" >"$copy" ||
    fail "cannot extract the hot copy"
  [ "$(sqlite3 "$copy" 'pragma integrity_check')" = ok ] || fail "hot copy $round is not whole"
done

# Failures: exit 2, a clear message, nothing partial left.
count=$(listing | wc -l)
run_backup --database "$t/nope.db"
expect_rc 2
expect_err "database $t/nope.db does not exist"
run_backup --config-dir "$t/no-config"
expect_rc 2
expect_err "config dir $t/no-config does not exist"
echo "not a database" >"$t/bad.db"
run_backup --database "$t/bad.db"
expect_rc 2
[ "$(listing | wc -l)" -eq "$count" ] || fail "a failed run left files: $(listing)"
touch "$t/file"
run_backup --backup-dir "$t/file/backups"
expect_rc 2
expect_err "cannot create backup dir"
if ! command -v pg_dump >/dev/null 2>&1; then
  SCREENER_PG_URL=postgresql://127.0.0.1:1/none run_backup
  expect_rc 2
  expect_err "pg_dump is not installed"
  [ "$(listing | wc -l)" -eq "$count" ] || fail "a failed run left files: $(listing)"
fi

# Usage errors: 3.
run_backup --retention-days soon
expect_rc 3
expect_err "whole number"
run_backup --frobnicate
expect_rc 3
run_backup --database
expect_rc 3
