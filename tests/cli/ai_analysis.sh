#!/usr/bin/env bash
# `screener scan` on the sample market with ai enabled against the fake Anthropic server: the
# top picks carry analyses in JSON, table and CSV; a same-day rerun reuses them (no call);
# --dry-run makes no call; an exhausted budget exits 1 with the reason; the key never reaches
# output, logs or the database.
. "$(dirname "$0")/common.sh"

fake=${FAKE_ANTHROPIC_BIN:?FAKE_ANTHROPIC_BIN must point at fake_anthropic_server}
key=sk-ant-api03-CLI-SECRET-4b3a2918
"$fake" --port 0 --key "$key" >"$t/fake.out" 2>"$t/fake.err" &
fake_pid=$!
trap 'rc_=$?; kill $fake_pid 2>/dev/null; wait $fake_pid 2>/dev/null; [ $rc_ -eq 0 ] && rm -rf "$t"; exit $rc_' EXIT
for _ in $(seq 100); do
  grep -q listening "$t/fake.out" 2>/dev/null && break
  sleep 0.05
done
port=$(sed -n 's/^listening on 127.0.0.1:\([0-9]*\)$/\1/p' "$t/fake.out")
[ -n "$port" ] || fail "the fake Anthropic server did not start"

copy_config
sed -i -e 's|^  enabled: false|  enabled: true|' \
       -e "s|^  base_url: https://api.anthropic.com|  base_url: http://127.0.0.1:$port|" \
       "$t/config/screener.yaml"
grep -q "base_url: http://127.0.0.1:$port" "$t/config/screener.yaml" || fail "ai.base_url not set"
export ANTHROPIC_API_KEY=$key
# Every run's stdout and stderr, kept for the key check at the end.
run_ai() {
  run_screener "$@"
  cat "$t/out" "$t/err" >>"$t/all"
}

run_ai scan --output json --log-format json -v
expect_rc 0
jq -e '.run.ai.status == "analysed" and .run.ai.validation == "accepted" and .run.ai.analysed == 5' \
  "$t/out" >/dev/null || fail "run.ai does not report 5 accepted analyses"
jq -e '.run.ai.cost_usd > 0 and .run.ai.input_tokens > 0 and .run.cost_usd == .run.ai.cost_usd' \
  "$t/out" >/dev/null || fail "AI cost not reported"
jq -e '[.results[0:5][] | .ai_analysis | (.verdict == "favourable" and (.thesis | length > 0)
        and (.risks | length > 0) and .confidence == "medium" and .templated == false)] | all' \
  "$t/out" >/dev/null || fail "the top 5 lack their analyses"
jq -e '[.results[5:][] | .ai_analysis == null] | all' "$t/out" >/dev/null ||
  fail "picks below top_k have analyses"
jq -e '.results[0] as $r | $r.ai_analysis.thesis | contains($r.symbol)' "$t/out" >/dev/null ||
  fail "the thesis does not name its pick"
expect_err '"event":"ai_analysis"'
expect_sql "select count(*) from results where run_id = 1 and ai_analysis is not null" 5
expect_sql "select count(*) from api_calls where run_id = 1 and provider = 'anthropic'" 1
expect_sql "select validation || ' ' || calls from ai_analyses where run_id = 1" "accepted 1"
expect_sql "select (select cost_usd from runs where id = 1) = (select cost_usd from ai_analyses where run_id = 1)" 1

# Same picks, same facts, same day: the stored analysis, no call.
run_ai scan --output table
expect_rc 0
expect_out "AI analysis of the top 5 by claude-sonnet-5-5: accepted \(cached\)"
expect_out "^      AI: favourable, confidence medium\. "
expect_out "^      Risks: Max loss is"
expect_sql "select count(*) from api_calls where run_id = 2 and provider = 'anthropic'" 0
expect_sql "select cached_from from ai_analyses where run_id = 2" 1

run_ai scan --output csv
expect_rc 0
head -1 "$t/out" | grep -q ',ai_verdict,ai_confidence,ai_thesis,ai_risks,ai_validation$' ||
  fail "CSV header lacks the AI columns"
[ "$(grep -c ',favourable,medium,' "$t/out")" -eq 5 ] || fail "CSV rows lack the analyses"

run_ai scan --dry-run --output json
expect_rc 0
jq -e '.run.ai.status == "off" and .run.ai.reason == "dry run"' "$t/out" >/dev/null ||
  fail "a dry run reports no AI skip"

# A fresh database (no cached analysis) and a budget below one call's worst case: no call,
# exit 1 with the reason.
export SCREENER_DATA_DIR=$t/data2
db=$t/data2/screener.db
sed -i 's|^  daily_budget_usd: 1.00 |  daily_budget_usd: 0.0001 |' "$t/config/screener.yaml"
run_ai scan --output json
expect_rc 1
jq -e '.run.status == "degraded" and (.run.message | test("AI analysis skipped: daily AI budget"))' \
  "$t/out" >/dev/null || fail "budget skip not reported as degraded with its reason"
jq -e '.run.ai.status == "budget_exhausted" and ([.results[].ai_analysis == null] | all)' \
  "$t/out" >/dev/null || fail "budget skip still analysed"
expect_sql "select count(*) from api_calls where provider = 'anthropic'" 0
expect_sql "select count(*) from run_errors where stage = 'ai'" 1

kill $fake_pid
wait $fake_pid 2>/dev/null
grep -q "fake_anthropic_server: 1 requests" "$t/fake.err" ||
  fail "expected exactly one request at the fake: $(cat "$t/fake.err")"

grep -q '"event":"api_call"' "$t/all" || fail "no api_call logged"
for f in "$t/all" "$t/data/screener.db" "$t/data/screener.db-wal" "$db" "$db-wal"; do
  [ -f "$f" ] || continue
  ! grep -qa "$key" "$f" || fail "the key is in $f"
done
