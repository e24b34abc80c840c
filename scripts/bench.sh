#!/usr/bin/env bash
# `npm run bench`: measures the figures of issue 9 on this machine and prints one table,
# each figure beside its target. Builds the site (scripts/build-web.sh) and the native
# bench (cargo bench, release profile) once, then measures; nothing asserts on time.
# Details of every run go to target/bench/ (bench.log, native.log, build-web.log).
# BENCH_NO_BUILD=1 measures the dist/ already there instead of building it.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=target/bench
mkdir -p "$OUT"
: > "$OUT/bench.log"

run_logged() { # name, command...: runs it with its output in $OUT/name.log; shows the log if it fails
  local name=$1; shift
  if ! "$@" > "$OUT/$name.log" 2>&1; then
    tail -n 40 "$OUT/$name.log" >&2
    echo "bench: $name failed (log: $OUT/$name.log)" >&2
    exit 1
  fi
}

if [ "${BENCH_NO_BUILD:-0}" != 1 ] || [ ! -f dist/index.html ]; then
  echo "bench: set-up and site build (scripts/setup.sh, scripts/build-web.sh)" >&2
  run_logged setup bash scripts/setup.sh
  run_logged build-web bash scripts/build-web.sh
fi

echo "bench: native engine (cargo bench --bench engine: memory, throughput, simulation speed)" >&2
if ! cargo bench --quiet --bench engine -- > "$OUT/native.json" 2> "$OUT/native.log"; then
  tail -n 40 "$OUT/native.log" >&2
  echo "bench: the native bench failed (log: $OUT/native.log)" >&2
  exit 1
fi
cat "$OUT/native.log" >> "$OUT/bench.log"

# Where the lean Wasm's bytes are: twiggy (a Wasm code-size profiler, crates.io) over the
# lean build optimised as the page's is (wasm-opt -Oz) but with its function names kept (-g).
TWIGGY=.tools/bin/twiggy
if [ ! -x "$TWIGGY" ]; then
  echo "bench: installing twiggy 0.8.0 into .tools (once, about a minute)" >&2
  run_logged twiggy-install cargo install twiggy --version 0.8.0 --root .tools
fi
LEAN=target/wasm32-unknown-unknown/wasm/kafkascope.wasm
rm -f "$OUT/twiggy.json"
if [ -f "$LEAN" ]; then
  echo "bench: Wasm size profile (twiggy top)" >&2
  node_modules/binaryen/bin/wasm-opt -Oz -g --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext --enable-mutable-globals \
    "$LEAN" -o "$OUT/lean-named.wasm"
  "$TWIGGY" top -n 100000 --format json "$OUT/lean-named.wasm" > "$OUT/twiggy.json"
else
  echo "bench: no $LEAN (scripts/build-web.sh makes it): no Wasm size profile" >&2
fi

node tests/bench/run.mjs "$OUT/native.json" "$OUT/bench.log" "$OUT/twiggy.json"
