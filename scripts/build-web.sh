#!/usr/bin/env bash
# Builds the static site into dist/: the engine as Wasm twice from the same crate (cargo →
# wasm-bindgen → wasm-opt -Oz), lean (--no-default-features) into dist/pkg/ for the first
# load and with Avro (--features avro) into dist/pkg-avro/, which the page imports only
# when a run uses a schema (www/engine.js); then the page from www/ (its modules bundled into
# one app.js by scripts/bundle.mjs), and dist/kafkascope.html,
# the whole playground in one file (scripts/offline.mjs). Prints the gzipped weight of the
# first load and what the Avro build adds.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
TARGET="${CARGO_TARGET_DIR:-$ROOT/target}"
WASM_BINDGEN="$ROOT/.tools/bin/wasm-bindgen"
WASM_OPT="$ROOT/node_modules/binaryen/bin/wasm-opt"
[ -x "$WASM_BINDGEN" ] || { echo "build-web: $WASM_BINDGEN missing; run scripts/setup.sh" >&2; exit 1; }
[ -x "$WASM_OPT" ] || { echo "build-web: $WASM_OPT missing; run scripts/setup.sh" >&2; exit 1; }

# build_engine PKG TARGET_DIR CARGO_ARGS...: one Wasm build of the crate, bound and optimised into PKG.
# Each build has its own target directory: the cdylib's file name does not depend on the
# features, so two feature sets in one directory would overwrite each other's output.
build_engine() {
  local pkg=$1 dir=$2
  shift 2
  cargo rustc --lib --crate-type cdylib --target wasm32-unknown-unknown --profile wasm --target-dir "$dir" "$@"
  rm -rf "$pkg"
  mkdir -p "$pkg"
  "$WASM_BINDGEN" --target web --no-typescript --out-dir "$pkg" "$dir/wasm32-unknown-unknown/wasm/kafkascope.wasm"
  echo "build-web: wasm-opt -Oz"
  "$WASM_OPT" -Oz --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext --enable-mutable-globals \
    "$pkg/kafkascope_bg.wasm" -o "$pkg/kafkascope_bg.opt.wasm"
  mv "$pkg/kafkascope_bg.opt.wasm" "$pkg/kafkascope_bg.wasm"
}

echo "build-web: cargo build (wasm32, profile wasm, lean: --no-default-features)"
build_engine "$TARGET/web-pkg" "$TARGET" --no-default-features
echo "build-web: cargo build (wasm32, profile wasm, with Avro: --features avro, target dir $TARGET/avro)"
build_engine "$TARGET/web-pkg-avro" "$TARGET/avro" --no-default-features --features avro

DIST="$ROOT/dist"
rm -rf "$DIST"
mkdir -p "$DIST/pkg" "$DIST/pkg-avro"
cp -R "$ROOT/www/." "$DIST/"
cp "$TARGET/web-pkg/kafkascope.js" "$TARGET/web-pkg/kafkascope_bg.wasm" "$DIST/pkg/"
cp "$TARGET/web-pkg-avro/kafkascope.js" "$TARGET/web-pkg-avro/kafkascope_bg.wasm" "$DIST/pkg-avro/"
# fflate zips a lesson's slides (www/controls/slides.js imports it only when asked).
mkdir -p "$DIST/vendor"
cp "$ROOT/node_modules/fflate/esm/browser.js" "$DIST/vendor/fflate.js"
# The page's modules as one file, and chunks for what it imports later (scripts/bundle.mjs).
node "$ROOT/scripts/bundle.mjs" "$DIST"
# The whole playground in one file for opening from disk (not part of the served page's load).
node "$ROOT/scripts/offline.mjs" "$DIST"

gz() { gzip -9 -c "$1" | wc -c; }

# First load: what the page fetches before its first picture (npm run bench measures the
# same from the browser): the HTML, the stylesheet, the bundled page, the lean engine's
# glue and Wasm, the lessons' index. Not the chunks, pkg-avro/ or the separate modules:
# the page fetches those only when needed (or never: they are the tests' and the worker's).
total=0
for rel in index.html style.css app.js pkg/kafkascope.js pkg/kafkascope_bg.wasm scenarios/index.json; do
  n=$(gz "$DIST/$rel")
  total=$((total + n))
  printf '  %7d B gz  %s\n' "$n" "$rel"
done
awk -v t="$total" 'BEGIN { printf "build-web: first load %d B gzipped (%.1f KB; budget 150 KB)\n", t, t / 1024 }'

# The Avro build's JS and Wasm; "total" is the first load plus these, what a page that
# switched to Avro during a run has fetched.
avro=0
for f in "$DIST/pkg-avro/kafkascope.js" "$DIST/pkg-avro/kafkascope_bg.wasm"; do
  n=$(gz "$f")
  avro=$((avro + n))
  printf '  %7d B gz  %s\n' "$n" "${f#"$DIST"/}"
done
awk -v a="$avro" -v t="$total" 'BEGIN { printf "build-web: with Avro (loaded when a schema is used): +%d B gzipped Wasm+JS, total %.1f KB\n", a, (t + a) / 1024 }'

if [ "$total" -gt $((150 * 1024)) ]; then
  echo "build-web: WARNING: the first load is over the 150 KB budget (the engine's Wasm dominates)" >&2
  # KAFKASCOPE_STRICT_BUDGET=1 turns the budget into a failure.
  if [ "${KAFKASCOPE_STRICT_BUDGET:-0}" = 1 ]; then exit 1; fi
fi
echo "build-web: site in dist/"
