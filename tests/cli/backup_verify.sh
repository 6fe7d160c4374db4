#!/usr/bin/env bash
# screener backup-verify on archives written by scripts/backup_data.sh: OK, old (1), byte
# flipped (2), checksum missing (2), corrupt database inside a well-checksummed archive (2),
# none at all (2), bad arguments or config (3).
# shellcheck source=tests/cli/common.sh
. "$(dirname "$0")/common.sh"

copy_config
backups=$t/data/backups # backup.dir's default: <data_dir>/backups
backup() {
  SCREENER_DB=$db SCREENER_CONFIG_DIR=$t/config SCREENER_BACKUP_DIR=$backups \
    "$src/scripts/backup_data.sh" >"$t/backup.out" 2>"$t/backup.err" ||
    fail "backup_data.sh failed: $(cat "$t/backup.err")"
}

# No backup dir, then an empty one: critical.
run_screener scan
expect_rc 0
run_screener backup-verify
expect_rc 2
expect_out "^BACKUP CRITICAL - backup dir $backups does not exist"
mkdir -p "$backups"
run_screener backup-verify --format json
expect_rc 2
jq -e '.status == "failed" and .archive == null and .checks[0].name == "found"' "$t/out" >/dev/null ||
  fail "missing-backup JSON"

# A fresh backup: OK, with the row counts and the latest run.
backup
archive=$(cat "$t/backup.out")
{ [ -f "$archive" ] && [ -f "$archive.sha256" ]; } || fail "no archive written"
run_screener backup-verify
expect_rc 0
expect_out "^BACKUP OK - screener-backup-[0-9]{8}T[0-9]{6}Z\.tar\.gz 0\.[0-9]h old, integrity ok, schema v[0-9]+, 1 runs"
expect_out "^  integrity OK +integrity_check ok"
expect_out "^  live +OK +same newest rows as the live database"
run_screener backup-verify --format json
expect_rc 0
jq -e '.status == "ok" and .exit_code == 0 and .backup.integrity == "ok" and
       .backup.row_counts.runs == 1 and .backup.latest_run.status == "ok" and
       .live.row_counts.runs == 1 and (.sha256 | length) == 64 and .archives_found == 1' \
  "$t/out" >/dev/null || fail "OK JSON: $(cat "$t/out")"
# A later scan only puts the live database ahead: still OK.
run_screener scan
expect_rc 0
run_screener backup-verify
expect_rc 0
expect_out "live database has newer rows: runs \+1"

# Older than backup.max_age_hours (26 by default): warning.
touch -d '30 hours ago' "$archive"
run_screener backup-verify
expect_rc 1
expect_out "^BACKUP WARNING - .*newest backup is 30\.[0-9]h old, more than max_age_hours 26"
sed -i 's/^  max_age_hours: 26 /  max_age_hours: 48 /' "$t/config/screener.yaml"
grep -q '^  max_age_hours: 48 ' "$t/config/screener.yaml" || fail "could not set backup.max_age_hours"
run_screener backup-verify
expect_rc 0
touch "$archive"

# One byte flipped in the archive: critical, named as a checksum mismatch.
cp "$archive" "$t/archive.good"
size=$(stat -c %s "$archive")
printf '\xff' | dd of="$archive" bs=1 seek=$((size / 2)) conv=notrunc status=none
cmp -s "$archive" "$t/archive.good" && printf '\x00' | dd of="$archive" bs=1 seek=$((size / 2)) conv=notrunc status=none
cmp -s "$archive" "$t/archive.good" && fail "could not flip a byte"
run_screener backup-verify
expect_rc 2
expect_out "^BACKUP CRITICAL - .*SHA-256 mismatch"
cp "$t/archive.good" "$archive"

# No checksum file: critical.
mv "$archive.sha256" "$t/sha.good"
run_screener backup-verify
expect_rc 2
expect_out "no checksum file"
mv "$t/sha.good" "$archive.sha256"
run_screener backup-verify
expect_rc 0

# A newer archive whose database is damaged but whose checksum is right: critical from the
# restore test itself (this is what a checksum alone cannot catch).
name=screener-backup-29991231T235959Z
mkdir -p "$t/bad/$name/db"
cp "$db" "$t/bad/$name/db/screener.db"
sqlite3 "$t/bad/$name/db/screener.db" "pragma wal_checkpoint(truncate)" >/dev/null
head -c 16384 /dev/zero | tr '\0' '\377' |
  dd of="$t/bad/$name/db/screener.db" bs=4096 seek=3 count=4 conv=notrunc status=none
tar -C "$t/bad" -czf "$backups/$name.tar.gz" "$name"
(cd "$backups" && sha256sum "$name.tar.gz" >"$name.tar.gz.sha256")
run_screener backup-verify --format json
expect_rc 2
jq -e --arg n "$name.tar.gz" '.status == "failed" and (.archive | endswith($n)) and
   ([.checks[] | select(.status == "failed") | .name] | .[0] | test("integrity|read"))' "$t/out" >/dev/null ||
  fail "corrupt database not caught: $(jq -c '.checks' "$t/out")"
rm -f "$backups/$name.tar.gz" "$backups/$name.tar.gz.sha256"

# Bad arguments and bad config: unknown (3).
run_screener backup-verify --format yaml
expect_rc 3
run_screener backup-verify --nope
expect_rc 3
sed -i 's/max_age_hours: 48/max_age_hours: -1/' "$t/config/screener.yaml"
run_screener backup-verify
expect_rc 3
expect_err "backup.max_age_hours: must be greater than 0"
