#!/usr/bin/env bash
# A data dir that cannot be created or written: exit 2 with a message naming it.
. "$(dirname "$0")/common.sh"

# A path under a regular file cannot become a directory, even for root.
touch "$t/not-a-dir"
export SCREENER_DATA_DIR=$t/not-a-dir/data
run_screener scan
expect_rc 2
expect_err "$t/not-a-dir/data"
[ "$(wc -l <"$t/err" | tr -d ' ')" -ge 1 ] || fail "no message"

# A database file that is not a database: exit 2 naming the file, nothing overwritten.
export SCREENER_DATA_DIR=$t/data
mkdir -p "$t/data"
echo "this is not sqlite" >"$t/data/screener.db"
run_screener scan
expect_rc 2
expect_err "$t/data/screener.db"
grep -q "this is not sqlite" "$t/data/screener.db" || fail "the bad file was overwritten"
