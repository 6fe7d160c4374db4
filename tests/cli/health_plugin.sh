#!/usr/bin/env bash
# `screener health` is a monitoring plugin: one line on stdout with perfdata, exit 0-3 by the
# worst check, JSON with --format json, UNKNOWN (3) for bad arguments, --help and bad config.
. "$(dirname "$0")/common.sh"
copy_config
# Fixed CPU (20% busy), memory (50% used) and load figures: the machine's own vary.
mkdir -p "$t/proc"
printf 'cpu  100 0 100 800 0 0 0 0 0 0\ncpu0 100 0 100 800 0 0 0 0 0 0\n' >"$t/proc/stat"
printf 'MemTotal: 1000 kB\nMemAvailable: 500 kB\n' >"$t/proc/meminfo"
printf '0.25 0.20 0.10 1/100 1234\n' >"$t/proc/loadavg"
# Disk thresholds at 100%: the test machine's own disk use must not decide the outcome.
sed -i 's/^  disk_warning_pct: 90 /  disk_warning_pct: 100 /; s/^  disk_critical_pct: 95/  disk_critical_pct: 100/' "$SCREENER_CONFIG"
grep -q '^  disk_critical_pct: 100' "$SCREENER_CONFIG" || fail "shipped config has no health.disk_critical_pct"

plugin_line='^SCREENER (OK|WARNING|CRITICAL|UNKNOWN) - [^|]+ \| ([a-z0-9_]+=[-0-9.U]+(%|s|ms|B|c)?(;[-0-9.]*){0,4} ?)+$'
one_line() { [ "$(wc -l <"$t/out")" -eq 1 ] || fail "stdout is not one line"; }

# Before any scan: no database -> CRITICAL, and health does not create one.
run_screener health --no-probe --proc-root "$t/proc"
expect_rc 2
one_line
expect_out "$plugin_line"
expect_out '^SCREENER CRITICAL - database missing'
[ ! -e "$db" ] || fail "health created the database"

run_screener scan --limit 3
expect_rc 0

start=$(date +%s%N)
run_screener health --no-probe --proc-root "$t/proc"
end=$(date +%s%N)
expect_rc 0
one_line
expect_out "$plugin_line"
expect_out '^SCREENER OK - [0-9]+ checks ok \| cpu=20%;80;95 memory=50%;85;95 load1=0.25;2;4;0 '
expect_out 'last_scan_age=[0-9]+s;93600;180000;0'
echo "health --no-probe took $(((end - start) / 1000000)) ms"

run_screener health --no-probe --proc-root "$t/proc" -v
expect_rc 0
expect_out '^database: OK - database ok; quick_check=ok'
[ "$(head -1 "$t/out" | grep -c '^SCREENER OK')" -eq 1 ] || fail "-v does not start with the plugin line"

run_screener health --no-probe --proc-root "$t/proc" --format json
expect_rc 0
jq -e '.status == "ok" and .exit_code == 0 and (.timestamp | test("Z$"))' "$t/out" >/dev/null ||
  fail "JSON status fields"
jq -e '.checks.database.status == "ok" and .checks.database.schema_version > 0 and
       .checks.cpu.busy_pct >= 0 and .checks.disk_data.used_pct <= 100 and
       .checks.config.status == "ok"' "$t/out" >/dev/null || fail "JSON checks"

# Thresholds from the config: a disk warning at 0% -> WARNING (1); critical at 0% -> CRITICAL (2).
cfg=$t/config/screener.yaml
sed -i 's/^  disk_warning_pct: 100 /  disk_warning_pct: 0 /' "$cfg"
run_screener health --no-probe --proc-root "$t/proc"
expect_rc 1
expect_out '^SCREENER WARNING - disk [0-9]+% on .* \| .*disk_data=[0-9.]+%;0;100'
sed -i 's/^  disk_critical_pct: 100/  disk_critical_pct: 0/' "$cfg"
run_screener health --no-probe --proc-root "$t/proc"
expect_rc 2
expect_out '^SCREENER CRITICAL - disk '
sed -i 's/^  disk_warning_pct: 0 /  disk_warning_pct: 100 /; s/^  disk_critical_pct: 0/  disk_critical_pct: 100/' "$cfg"

# A corrupt database is CRITICAL.
printf 'this is not a database at all, just bytes................................................' >"$db"
rm -f "$db-wal" "$db-shm"
run_screener health --no-probe --proc-root "$t/proc"
expect_rc 2
expect_out '^SCREENER CRITICAL - database unreadable'

# The plugin's own timeout: UNKNOWN, one line (the CPU sample alone takes 900 ms here).
sed -i 's/^  last_scan_critical_hours: 50/  last_scan_critical_hours: 50\n  cpu_sample_ms: 900/' "$cfg"
run_screener health --no-probe --proc-root "$t/proc" -t 0.01
expect_rc 3
one_line
expect_out '^SCREENER UNKNOWN - timed out after 0.01 s$'

# Bad arguments, --help and a config that does not load: UNKNOWN (3).
run_screener health --no-such-flag
expect_rc 3
run_screener health --format xml
expect_rc 3
run_screener health --timeout -1
expect_rc 3
run_screener health --help
expect_rc 3
echo "bogus_key: 1" >>"$t/config/screener.yaml"
run_screener health --no-probe --proc-root "$t/proc"
expect_rc 3
one_line
expect_out "^SCREENER UNKNOWN - config: .*bogus_key"
run_screener health --no-probe --format json
expect_rc 3
jq -e '.status == "unknown" and .exit_code == 3 and (.checks.config.summary | test("bogus_key"))' \
  "$t/out" >/dev/null || fail "config error JSON"
