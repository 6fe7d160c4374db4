#!/usr/bin/env bash
# Deployment files: the systemd units verify with no output at all (systemd-analyze verify
# exits 0 even on some warnings), their OnCalendar specs parse, their hardening scores within
# the threshold (score printed into the test log); the cron.d file follows Debian's rules; every
# command they run exists.
# shellcheck source=tests/cli/common.sh
. "$(dirname "$0")/common.sh"

command -v systemd-analyze >/dev/null 2>&1 || { echo "systemd-analyze not installed: skipped"; exit 125; }

# The units name the installed paths; verify needs executables there, so check a copy pointed
# at the built binary and the repository's scripts.
units=$t/units
mkdir -p "$units"
for f in "$src"/deploy/systemd/*.service "$src"/deploy/systemd/*.timer; do
  sed -e "s|/usr/local/bin/screener|$bin|" -e "s|/usr/local/lib/screener/|$src/scripts/|" "$f" \
    >"$units/$(basename "$f")"
done
n_services=$(find "$units" -name '*.service' | wc -l)
[ "$n_services" -eq 6 ] || fail "expected 6 services, found $n_services"
(cd "$units" && systemd-analyze verify ./*.service ./*.timer) >"$t/out" 2>"$t/err"
rc=$?
expect_rc 0
{ [ ! -s "$t/out" ] && [ ! -s "$t/err" ]; } || fail "systemd-analyze verify printed something"

for service in "$units"/*.service; do
  unit=$(basename "$service" .service)
  [ -f "$units/$unit.timer" ] || fail "$unit has no timer"
  grep -qx "Type=oneshot" "$service" || fail "$unit is not oneshot"
  grep -qx "User=screener" "$service" || fail "$unit does not run as screener"
  for key in ProtectSystem=strict NoNewPrivileges=yes PrivateTmp=yes ProtectHome=yes; do
    grep -qx "$key" "$service" || fail "$unit lacks $key"
  done
  grep -qx "Persistent=true" "$units/$unit.timer" || fail "$unit.timer is not persistent"
  calendar=$(sed -n 's/^OnCalendar=//p' "$units/$unit.timer")
  systemd-analyze calendar "$calendar" >/dev/null 2>&1 || fail "$unit.timer: bad OnCalendar '$calendar'"
  case $unit in
    screener-health) ;;
    *) [[ $calendar == *" America/New_York" ]] || fail "$unit.timer is not in America/New_York" ;;
  esac
  (cd "$units" && systemd-analyze security --offline=true --threshold=30 "$unit.service") >"$t/security" 2>&1 ||
    { cat "$t/security" >&2; fail "$unit: exposure above 3.0"; }
  echo "$(basename "$service"): $(grep -o 'Overall exposure level.*' "$t/security")"
done
grep -q "^OnCalendar=Mon..Fri \*-\*-\* 06:30:00 America/New_York$" "$units/screener-scan.timer" || fail "daily scan time"
grep -q "^OnCalendar=Mon..Fri \*-\*-\* 08:00:00 America/New_York$" "$units/screener-premarket.timer" || fail "premarket time"
grep -q "^OnCalendar=Sun \*-\*-\* 10:00:00 America/New_York$" "$units/screener-weekly.timer" || fail "weekly time"

# cron.d: a name cron reads (no dot), environment lines, a user field, no CRON_TZ (Debian's cron
# ignores it), and the seed's schedule.
cron=$src/cron/screener
[[ $(basename "$cron") =~ ^[A-Za-z0-9_-]+$ ]] || fail "cron file name would be ignored"
grep -q '^SHELL=/bin/sh$' "$cron" || fail "no SHELL line"
grep -q '^PATH=' "$cron" || fail "no PATH line"
grep -q '^CRON_TZ' "$cron" && fail "CRON_TZ does nothing in Debian's cron"
grep -q "no per-file time zone" "$cron" || fail "the time-zone note is missing"
jobs=$(grep -Ev '^\s*(#|$|[A-Z_]+=)' "$cron")
[ "$(printf '%s\n' "$jobs" | wc -l)" -eq 6 ] || fail "expected 6 cron jobs"
while read -r min hour dom mon dow user command; do
  [ "$user" = screener ] || fail "cron job without the user field: $min $hour $dom $mon $dow $user"
  for field in "$min" "$hour" "$dom" "$mon" "$dow"; do
    [[ $field =~ ^[0-9*/,-]+$ ]] || fail "bad cron time field '$field'"
  done
  [[ $command == *%* ]] && fail "unescaped % in a cron command"
done <<<"$jobs"
for schedule in '^30 +6 +\* +\* +1-5 +screener +screener scan --profile daily' \
  '^0 +8 +\* +\* +1-5 +screener +screener scan --profile premarket' \
  '^0 +10 +\* +\* +0 +screener +screener scan --profile weekly' \
  '^\*/15 +\* +\* +\* +\* +screener +/usr/local/lib/screener/health_check.sh' \
  '^0 +2 +\* +\* +\* +screener +screener cleanup' \
  '^0 +3 +\* +\* +\* +screener +/usr/local/lib/screener/backup_data.sh .*&& screener backup-verify'; do
  grep -Eq "$schedule" "$cron" || fail "cron lacks /$schedule/"
done

# Every screener subcommand they run exists (health comes with its own branch).
for command in "scan --profile daily" "scan --profile premarket" "scan --profile weekly" cleanup backup-verify; do
  read -ra words <<<"$command"
  "$bin" "${words[0]}" --help >/dev/null 2>&1 || fail "screener ${words[0]} does not exist"
done
# The profiles they name exist in the sample config.
for profile in daily premarket weekly; do
  "$bin" scan --profile "$profile" --dry-run --limit 1 >/dev/null 2>"$t/err" || fail "profile $profile: $(cat "$t/err")"
done
