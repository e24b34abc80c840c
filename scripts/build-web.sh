#!/usr/bin/env bash
# Builds the static site into dist/: the engine as Wasm (cargo → wasm-bindgen → wasm-opt -Oz),
# the page from www/, and prints the gzipped weight of the first load.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
WASM_BINDGEN="$ROOT/.tools/bin/wasm-bindgen"
WASM_OPT="$ROOT/node_modules/binaryen/bin/wasm-opt"
[ -x "$WASM_BINDGEN" ] || { echo "build-web: $WASM_BINDGEN missing; run scripts/setup.sh" >&2; exit 1; }
[ -x "$WASM_OPT" ] || { echo "build-web: $WASM_OPT missing; run scripts/setup.sh" >&2; exit 1; }

echo "build-web: cargo build (wasm32, profile wasm)"
cargo rustc --lib --crate-type cdylib --target wasm32-unknown-unknown --profile wasm --no-default-features

PKG="$ROOT/target/web-pkg"
rm -rf "$PKG"
mkdir -p "$PKG"
"$WASM_BINDGEN" --target web --no-typescript --out-dir "$PKG" "$ROOT/target/wasm32-unknown-unknown/wasm/kafkascope.wasm"
echo "build-web: wasm-opt -Oz"
"$WASM_OPT" -Oz --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext --enable-mutable-globals \
  "$PKG/kafkascope_bg.wasm" -o "$PKG/kafkascope_bg.opt.wasm"
mv "$PKG/kafkascope_bg.opt.wasm" "$PKG/kafkascope_bg.wasm"

DIST="$ROOT/dist"
rm -rf "$DIST"
mkdir -p "$DIST/pkg"
cp -R "$ROOT/www/." "$DIST/"
cp "$PKG/kafkascope.js" "$PKG/kafkascope_bg.wasm" "$DIST/pkg/"

# First load: the HTML, every JS module and stylesheet of the page, and the Wasm.
total=0
while IFS= read -r f; do
  n=$(gzip -9 -c "$f" | wc -c)
  total=$((total + n))
  printf '  %7d B gz  %s\n' "$n" "${f#"$DIST"/}"
done < <(find "$DIST" -type f \( -name '*.html' -o -name '*.js' -o -name '*.css' -o -name '*.wasm' \) | sort)
awk -v t="$total" 'BEGIN { printf "build-web: first load %d B gzipped (%.1f KB; budget 150 KB)\n", t, t / 1024 }'
if [ "$total" -gt $((150 * 1024)) ]; then
  echo "build-web: WARNING: the first load is over the 150 KB budget (the engine's Wasm dominates)" >&2
  # KAFKASCOPE_STRICT_BUDGET=1 turns the budget into a failure.
  if [ "${KAFKASCOPE_STRICT_BUDGET:-0}" = 1 ]; then exit 1; fi
fi
echo "build-web: site in dist/"
