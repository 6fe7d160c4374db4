# Sourced by every tests/cli/*.sh case (in the spirit of mold's test/common.inc).
# Gives: $bin (the screener binary), $src (repo root), $t (a scratch dir removed on success),
# run_screener (runs the binary, keeps stdout/stderr/exit code), and small assertions.
set -uo pipefail
export LC_ALL=C

bin=${SCREENER_BIN:?SCREENER_BIN must point at the screener binary}
src=${SCREENER_SOURCE_DIR:?SCREENER_SOURCE_DIR must point at the repository}
testname=$(basename "$0" .sh)
t=$(mktemp -d "${TMPDIR:-/tmp}/screener-$testname.XXXXXX")

# Each test gets its own data dir, and API keys from the caller's environment never leak in.
export SCREENER_DATA_DIR=$t/data
export SCREENER_SAMPLE_DIR=$src/data/sample
unset SCREENER_CONFIG EODHD_API_KEY MARKETDATA_TOKEN ANTHROPIC_API_KEY
db=$t/data/screener.db

fail() {
  echo "FAIL [$testname]: $*" >&2
  for f in "$t"/out "$t"/err; do
    [ -f "$f" ] && { echo "--- $(basename "$f"):" >&2; head -c 4000 "$f" >&2; }
  done
  exit 1
}

# run_screener ARGS...: stdout -> $t/out, stderr -> $t/err, exit code -> $rc.
run_screener() {
  "$bin" "$@" >"$t/out" 2>"$t/err"
  rc=$?
}

expect_rc() { [ "$rc" -eq "$1" ] || fail "expected exit $1, got $rc (screener $*)"; }
expect_out() { grep -qE -- "$1" "$t/out" || fail "stdout lacks /$1/"; }
expect_err() { grep -qE -- "$1" "$t/err" || fail "stderr lacks /$1/"; }
sql() { sqlite3 -batch -noheader "$db" "$1"; }
expect_sql() {
  local got
  got=$(sql "$1") || fail "query failed: $1"
  [ "$got" = "$2" ] || fail "query '$1' gave '$got', expected '$2'"
}

# A copy of the shipped config and sample market the test may change freely.
copy_config() {
  mkdir -p "$t/config"
  cp "$src/config/screener.yaml" "$src/config/sectors.csv" "$t/config/"
  export SCREENER_CONFIG=$t/config/screener.yaml
}
copy_sample() {
  cp -r "$src/data/sample" "$t/sample"
  export SCREENER_SAMPLE_DIR=$t/sample
}

cd "$src" || fail "cannot cd to $src"
trap 'rc_=$?; [ $rc_ -eq 0 ] && rm -rf "$t"; exit $rc_' EXIT
