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

node tests/bench/run.mjs "$OUT/native.json" "$OUT/bench.log"
