#!/usr/bin/env bash
# Backs up screener's data into one timestamped archive with a SHA-256 file beside it:
#   <backup-dir>/screener-backup-YYYYmmddTHHMMSSZ.tar.gz         (mode 0600)
#   <backup-dir>/screener-backup-YYYYmmddTHHMMSSZ.tar.gz.sha256  (sha256sum format)
# The archive holds screener-backup-<stamp>/{db/<database>, config/, env/.env, MANIFEST} and,
# when configured, postgres.dump and redis.rdb. The database copy is a consistent hot copy
# (SQLite's online backup API through the sqlite3 CLI), safe while a scan writes.
# `screener backup-verify` checks the newest archive; docs/operations.md has the restore runbook.
#
# Exit codes: 0 done; 2 failed (nothing partial is left behind); 3 bad usage.
set -euo pipefail
umask 077

prog=backup_data

usage() {
  cat <<EOF
Usage: $prog [options]

Writes one backup archive of screener's database, config dir and .env, prunes old archives,
and optionally uploads the new one.

Options (defaults come from the environment variables shown):
  -d, --database PATH       live SQLite database          (\$SCREENER_DB, /var/lib/screener/screener.db)
  -c, --config-dir DIR      config directory to include   (\$SCREENER_CONFIG_DIR, /etc/screener;
                            '' to skip)
  -e, --env-file PATH       .env file, included if present (\$SCREENER_ENV_FILE, <config-dir>/.env)
  -o, --backup-dir DIR      where archives go             (\$SCREENER_BACKUP_DIR, /var/lib/screener/backups)
  -r, --retention-days N    delete archives older than N days, 0 keeps all
                                                          (\$SCREENER_BACKUP_RETENTION_DAYS, 14)
  -h, --help                this text

Optional, only when set:
  SCREENER_PG_URL            pg_dump this PostgreSQL URL into the archive (postgres.dump, custom format)
  SCREENER_REDIS_URL         redis-cli --rdb snapshot of this Redis URL into the archive (redis.rdb)
  SCREENER_BACKUP_UPLOAD_CMD command run as: \$SCREENER_BACKUP_UPLOAD_CMD <archive> <archive>.sha256
                             (e.g. "rclone copy --immutable remote:screener" or an scp wrapper);
                             its failure fails the backup (the local archive is kept)

Keep --retention-days equal to backup.retention_days and --backup-dir equal to backup.dir in
screener's config: backup-verify warns when archives outlive the retention.
Exit codes: 0 ok, 2 failed, 3 bad usage.
EOF
}

die() {
  echo "$prog: error: $*" >&2
  exit 2
}
usage_error() {
  echo "$prog: usage error: $* (see $prog --help)" >&2
  exit 3
}
note() { echo "$prog: $*" >&2; }

database=${SCREENER_DB:-/var/lib/screener/screener.db}
config_dir=${SCREENER_CONFIG_DIR-/etc/screener}
env_file=${SCREENER_ENV_FILE:-}
backup_dir=${SCREENER_BACKUP_DIR:-/var/lib/screener/backups}
retention_days=${SCREENER_BACKUP_RETENTION_DAYS:-14}

while [ $# -gt 0 ]; do
  case $1 in
    -h | --help)
      usage
      exit 0
      ;;
    -d | --database | -c | --config-dir | -e | --env-file | -o | --backup-dir | -r | --retention-days)
      [ $# -ge 2 ] || usage_error "$1 needs a value"
      case $1 in
        -d | --database) database=$2 ;;
        -c | --config-dir) config_dir=$2 ;;
        -e | --env-file) env_file=$2 ;;
        -o | --backup-dir) backup_dir=$2 ;;
        -r | --retention-days) retention_days=$2 ;;
      esac
      shift 2
      ;;
    *) usage_error "unknown argument '$1'" ;;
  esac
done

[[ $retention_days =~ ^[0-9]+$ ]] || usage_error "retention days must be a whole number, got '$retention_days'"
[ -n "$database" ] || usage_error "no database given"
[ -n "$backup_dir" ] || usage_error "no backup dir given"
if [ -z "$env_file" ] && [ -n "$config_dir" ]; then
  env_file=$config_dir/.env
fi

for tool in sqlite3 tar gzip sha256sum; do
  command -v "$tool" >/dev/null 2>&1 || die "$tool is not installed (scripts/install_deps.sh)"
done
[ -f "$database" ] || die "database $database does not exist"
[ -r "$database" ] || die "database $database is not readable"
# sqlite3's .backup takes its target in single quotes.
case $database$backup_dir in
  *"'"*) die "the database and backup paths must not contain a single quote" ;;
esac
if [ -n "$config_dir" ] && [ ! -d "$config_dir" ]; then
  die "config dir $config_dir does not exist (pass --config-dir '' to skip it)"
fi
mkdir -p "$backup_dir" 2>/dev/null || die "cannot create backup dir $backup_dir"
if [ ! -d "$backup_dir" ] || [ ! -w "$backup_dir" ]; then
  die "backup dir $backup_dir is not writable"
fi

stamp=$(date -u +%Y%m%dT%H%M%SZ)
name=screener-backup-$stamp
archive=$backup_dir/$name.tar.gz
checksum=$archive.sha256
[ ! -e "$archive" ] || die "$archive already exists (two backups in the same second?)"

# Everything is staged in the backup dir itself, so the final renames stay on one file system
# and are atomic; the trap removes the staging dir whatever happens.
staging=$(mktemp -d "$backup_dir/.$name.XXXXXX") || die "cannot create a staging dir in $backup_dir"
cleanup() { rm -rf "$staging"; }
trap cleanup EXIT
trap 'die "failed at line $LINENO"' ERR
content=$staging/$name
mkdir -p "$content/db"

# 1. The database: the online backup API copies a consistent snapshot while a scan writes
#    (busy_timeout covers a writer holding the lock), then a quick_check proves the copy.
db_copy=$content/db/$(basename "$database")
sqlite3 -bail "$database" ".timeout 10000" ".backup '$db_copy'" ||
  die "sqlite3 could not back up $database"
check=$(sqlite3 -bail "$db_copy" "PRAGMA quick_check;") || die "cannot read the copy of $database"
[ "$check" = "ok" ] || die "the copy of $database fails quick_check: $check"
schema_version=$(sqlite3 -bail "$db_copy" "PRAGMA user_version;")

# 2. Config dir and .env (secrets: the archive is 0600 and stays so).
if [ -n "$config_dir" ]; then
  mkdir -p "$content/config"
  cp -a "$config_dir/." "$content/config/" || die "cannot copy config dir $config_dir"
fi
if [ -f "$env_file" ]; then
  mkdir -p "$content/env"
  cp -a "$env_file" "$content/env/.env" || die "cannot copy $env_file"
fi

# 3. Optional shared stores (the sharded deployment); only when configured.
if [ -n "${SCREENER_PG_URL:-}" ]; then
  command -v pg_dump >/dev/null 2>&1 || die "SCREENER_PG_URL is set but pg_dump is not installed"
  pg_dump --format=custom --file="$content/postgres.dump" "$SCREENER_PG_URL" ||
    die "pg_dump failed"
fi
if [ -n "${SCREENER_REDIS_URL:-}" ]; then
  command -v redis-cli >/dev/null 2>&1 || die "SCREENER_REDIS_URL is set but redis-cli is not installed"
  redis-cli -u "$SCREENER_REDIS_URL" --rdb "$content/redis.rdb" >/dev/null || die "redis-cli --rdb failed"
fi

cat >"$content/MANIFEST" <<EOF
created=$stamp
host=$(uname -n)
database=db/$(basename "$database")
database_source=$database
schema_version=$schema_version
sqlite_version=$(sqlite3 --version | cut -d' ' -f1)
config=$([ -n "$config_dir" ] && echo "config/ from $config_dir" || echo none)
env=$([ -f "$env_file" ] && echo "env/.env from $env_file" || echo none)
postgres=$([ -n "${SCREENER_PG_URL:-}" ] && echo postgres.dump || echo none)
redis=$([ -n "${SCREENER_REDIS_URL:-}" ] && echo redis.rdb || echo none)
EOF

# 4. Archive, flushed to disk, checksum; the checksum goes in place first, then the archive, so
#    backup-verify never sees a finished archive without its checksum.
tar -C "$staging" -czf "$staging/archive.tmp" "$name" || die "tar failed"
sync "$staging/archive.tmp"
digest=$(sha256sum "$staging/archive.tmp" | cut -d' ' -f1)
printf '%s  %s\n' "$digest" "$name.tar.gz" >"$staging/checksum.tmp"
sync "$staging/checksum.tmp"
chmod 0600 "$staging/archive.tmp" "$staging/checksum.tmp"
mv "$staging/checksum.tmp" "$checksum"
mv "$staging/archive.tmp" "$archive"
sync "$backup_dir"
note "wrote $archive ($(stat -c %s "$archive") bytes, sha256 $digest)"

# 5. Retention: archives (and their checksums) older than N days, and stale staging dirs.
if [ "$retention_days" -gt 0 ]; then
  minutes=$((retention_days * 1440))
  while IFS= read -r -d '' old; do
    rm -f -- "$old" "$old.sha256"
    note "deleted $old (older than $retention_days days)"
  done < <(find "$backup_dir" -maxdepth 1 -type f -name 'screener-backup-*.tar.gz' -mmin "+$minutes" -print0)
  find "$backup_dir" -maxdepth 1 -type f -name 'screener-backup-*.tar.gz.sha256' -mmin "+$minutes" \
    -exec sh -c 'for f; do [ -e "${f%.sha256}" ] || rm -f -- "$f"; done' sh {} +
fi
find "$backup_dir" -maxdepth 1 -type d -name '.screener-backup-*' -mmin +1440 -exec rm -rf -- {} +

# 6. Upload: whatever command the environment names, with the archive and checksum paths.
if [ -n "${SCREENER_BACKUP_UPLOAD_CMD:-}" ]; then
  note "uploading with \$SCREENER_BACKUP_UPLOAD_CMD"
  bash -c "$SCREENER_BACKUP_UPLOAD_CMD"' "$@"' upload "$archive" "$checksum" ||
    die "upload command failed (exit $?); the local archive $archive is kept"
fi
echo "$archive"
