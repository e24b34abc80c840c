#!/usr/bin/env bash
# Every test layer: Rust tests, the Wasm build, the site, and the browser tests.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
echo "== cargo fmt --check"
cargo fmt --all -- --check
echo "== cargo test"
cargo test
node --test tests/unit/
echo "== cargo build --target wasm32-unknown-unknown"
cargo build --target wasm32-unknown-unknown
echo "== build the site"
bash scripts/build-web.sh
echo "== browser tests"
node --test --test-concurrency=1 tests/e2e/
