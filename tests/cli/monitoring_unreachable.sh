#!/usr/bin/env bash
# Webhooks and cron-monitor pings that cannot be delivered are logged (URL redacted) and never
# change the exit code of a scan or of health.
. "$(dirname "$0")/common.sh"
copy_config

# Port 9 (discard) on the loopback: connection refused at once.
export SLACK_WEBHOOK_URL=http://127.0.0.1:9/services/T000/B000/SECRETHOOKTOKEN
export SCREENER_PING_SCAN=http://127.0.0.1:9/ping/SECRETPINGUUID
export SCREENER_PING_HEALTH=http://127.0.0.1:9/ping/SECRETPINGUUID2

run_screener --log-format json scan --limit 3
expect_rc 0
expect_err '"event":"ping_failed".*"kind":"start"'
expect_err '"event":"alert_delivery_failed"'
expect_err '"event":"ping_failed".*"kind":"success"'
expect_err '"url":"http://127.0.0.1:9/\*\*\*"'
if grep -q SECRET "$t/err" "$t/out"; then fail "a webhook or ping URL leaked"; fi

run_screener --log-format json health --no-probe --format json
[ "$rc" -le 2 ] || fail "health exit $rc"
jq -e . "$t/out" >/dev/null || fail "health JSON broken by the failed ping"
expect_err '"event":"ping_failed"'
if grep -q SECRET "$t/err" "$t/out"; then fail "a webhook or ping URL leaked"; fi
