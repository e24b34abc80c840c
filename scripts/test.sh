#!/usr/bin/env bash
# Every test layer: formatting and clippy, Rust tests (golden traces included), the Wasm build, the site, and the browser tests.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
echo "== cargo fmt --check"
cargo fmt --all -- --check
echo "== cargo clippy (clippy.toml forbids HashMap and HashSet: their iteration order is random)"
cargo clippy --all-targets -- -D warnings
# The Wasm facade (src/wasm.rs) exists only for wasm32: clippy reads it there too.
cargo clippy --lib --target wasm32-unknown-unknown --no-default-features -- -D warnings
echo "== cargo test"
cargo test
node --test tests/unit/
echo "== cargo build --target wasm32-unknown-unknown"
cargo build --target wasm32-unknown-unknown
echo "== build the site"
bash scripts/build-web.sh
echo "== browser tests"
node --test --test-concurrency=1 tests/e2e/
