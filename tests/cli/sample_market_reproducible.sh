#!/usr/bin/env bash
# The bundled sample market (data/sample/) is exactly what tools/gen_sample_market.cpp writes:
# regenerate it into a temp dir and compare byte for byte. Run by CTest with SCREENER_BIN and
# SCREENER_SOURCE_DIR set; the generator is built beside the screener binary.
set -euo pipefail

: "${SCREENER_BIN:?SCREENER_BIN must point at the screener binary}"
: "${SCREENER_SOURCE_DIR:?SCREENER_SOURCE_DIR must point at the repository root}"

generator="$(dirname "$SCREENER_BIN")/gen_sample_market"
expected="$SCREENER_SOURCE_DIR/data/sample"

if [[ ! -x "$generator" ]]; then
    echo "sample_market_reproducible: generator not built: $generator" >&2
    exit 1
fi
if [[ ! -f "$expected/manifest.json" ]]; then
    echo "sample_market_reproducible: no sample market at $expected" >&2
    exit 1
fi

out="$(mktemp -d "${TMPDIR:-/tmp}/screener-sample.XXXXXX")"
trap 'rm -rf "$out"' EXIT

"$generator" "$out"

if ! diff -r "$expected" "$out" >"$out.diff" 2>&1; then
    echo "sample_market_reproducible: data/sample differs from a fresh run of $generator" >&2
    head -n 20 "$out.diff" | cut -c1-200 >&2
    echo "regenerate with: $generator $expected  (see docs/sample-market.md)" >&2
    rm -f "$out.diff"
    exit 1
fi
rm -f "$out.diff"
echo "sample_market_reproducible: data/sample matches the generator"
