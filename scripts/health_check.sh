#!/usr/bin/env bash
# Wraps `screener health` for cron, monitoring agents (Nagios/Icinga NRPE, Zabbix) and a
# container HEALTHCHECK: runs it with the given options (e.g. --no-probe, --format json, -v)
# and exits with its code: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN.
# The binary is $SCREENER_BIN, else `screener` on PATH, else /usr/local/bin/screener; its config
# is --config or $SCREENER_CONFIG as for screener itself.
# A missing binary, or an exit code outside 0-3 (a crash, a signal), is reported as UNKNOWN (3)
# with one line on stdout, as the monitoring-plugin guidelines ask.
set -uo pipefail

if [ "${1:-}" = "-h" ] || [ "${1:-}" = "--help" ]; then
  echo "Usage: health_check.sh [screener health options...]   (see: screener health --help)"
  echo "Exit codes: those of screener health (0 ok, 1 warning, 2 critical, 3 unknown)."
  exit 3 # plugin convention: --help is UNKNOWN
fi

bin=${SCREENER_BIN:-}
if [ -z "$bin" ]; then
  bin=$(command -v screener 2>/dev/null || true)
  [ -n "$bin" ] || bin=/usr/local/bin/screener
fi
if [ ! -x "$bin" ]; then
  echo "SCREENER UNKNOWN - screener binary not found or not executable: $bin (set SCREENER_BIN)"
  exit 3
fi

"$bin" health "$@"
rc=$?
case $rc in
  0 | 1 | 2 | 3) exit "$rc" ;;
  *)
    echo "SCREENER UNKNOWN - screener health ended with exit code $rc"
    exit 3
    ;;
esac
