#!/usr/bin/env bash
# The Prometheus textfile: written by scan and health into one file, passes `promtool check
# metrics` (Debian package prometheus), keeps every command's last success, no timestamps.
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
command -v promtool >/dev/null || fail "promtool not found (apt-get install prometheus)"

grep -q '^  textfile: ""' "$t/config/screener.yaml" || fail "shipped config has no metrics.textfile"
sed -i 's|^  textfile: ""|  textfile: metrics/screener.prom|' "$t/config/screener.yaml"
prom=$t/data/metrics/screener.prom
mkdir -p "$t/data/metrics"

run_screener scan --limit 3
expect_rc 0
[ -f "$prom" ] || fail "scan wrote no textfile"
run_screener health --no-probe --proc-root "$t/proc"
expect_rc 0

promtool check metrics <"$prom" >"$t/promtool.out" 2>&1 || { cat "$t/promtool.out" >&2; fail "promtool check metrics failed"; }
[ ! -s "$t/promtool.out" ] || { cat "$t/promtool.out" >&2; fail "promtool reported problems"; }
grep -q '^screener_last_success_timestamp_seconds{command="scan",profile="daily"} [0-9]*$' "$prom" ||
  fail "scan's last success lost"
grep -q '^screener_last_success_timestamp_seconds{command="health",profile=""} [0-9]*$' "$prom" ||
  fail "health's last success missing"
grep -q '^screener_last_run_opportunities{command="scan",profile="daily"} 3$' "$prom" ||
  fail "scan opportunities missing"
grep -q '^screener_health_check_status{check="database",command="health",profile=""} 0$' "$prom" ||
  fail "health check states missing"
# No sample has a timestamp (node_exporter rejects the whole file), and it ends in a newline.
if grep -v '^#' "$prom" | awk '{ sub(/^[^}]*}/, ""); if (NF != 1) bad = 1 } END { exit !bad }'; then
  fail "a sample has a timestamp"
fi
[ "$(tail -c 1 "$prom" | od -An -c | tr -d ' ')" = '\n' ] || fail "no final newline"
# No temp file left beside it.
[ "$(ls -A "$t/data/metrics")" = "screener.prom" ] || fail "stray files: $(ls -A "$t/data/metrics")"
