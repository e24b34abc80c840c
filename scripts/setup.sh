#!/usr/bin/env bash
# Idempotent set-up for building and testing the page; a second run takes about a second.
#  - the clippy component
#  - the wasm32-unknown-unknown target
#  - wasm-bindgen-cli at exactly the version Cargo.lock pins, in .tools/
#  - Chromium at /usr/bin/chromium (Debian package) for the browser tests
#  - node_modules (playwright-core, binaryen) from package-lock.json
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
    echo "setup: need root to run: $*" >&2; return 1
  fi
}

apt_updated=0
apt_install() {
  if [ "$apt_updated" = 0 ]; then
    as_root apt-get update
    apt_updated=1
  fi
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "$@"
}

# 0. clippy (scripts/test.sh runs it; clippy.toml holds its configuration).
if ! cargo clippy --version >/dev/null 2>&1; then
  rustup component add clippy
fi

# 1. Rust's Wasm target.
if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  rustup target add wasm32-unknown-unknown
fi

# 2. wasm-bindgen-cli, the same version as the wasm-bindgen crate in Cargo.lock.
V=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock)
if [ -z "$V" ]; then
  echo "setup: cannot find wasm-bindgen's version in Cargo.lock" >&2
  exit 1
fi
have=""
if [ -x .tools/bin/wasm-bindgen ]; then
  have=$(.tools/bin/wasm-bindgen --version 2>/dev/null | awk '{ print $2 }' || true)
fi
if [ "$have" != "$V" ]; then
  echo "setup: installing wasm-bindgen-cli $V into .tools/ (about 2–3 minutes)"
  # --locked fails for 0.2.130 (its lockfile pins a yanked webpki-roots): try it, then fall back.
  if ! cargo install wasm-bindgen-cli --version "$V" --root "$ROOT/.tools" --locked; then
    echo "setup: --locked install failed; retrying without --locked"
    if ! cargo install wasm-bindgen-cli --version "$V" --root "$ROOT/.tools"; then
      echo "setup: could not install wasm-bindgen-cli $V" >&2
      exit 1
    fi
  fi
fi

# 3. Chromium for the browser tests.
if [ ! -x /usr/bin/chromium ]; then
  echo "setup: installing chromium"
  apt_install chromium
fi

# 3b. A font with Hangul, so Korean screenshots show text (the page itself ships no fonts).
if ! fc-list 2>/dev/null | grep -qi nanum; then
  echo "setup: installing fonts-nanum"
  apt_install fonts-nanum fontconfig || echo "setup: fonts-nanum not installed: Korean screenshots will show boxes" >&2
fi

# 4. Node and the npm devDependencies.
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  echo "setup: installing node and npm"
  apt_install nodejs npm
fi
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ] \
   || [ ! -x node_modules/binaryen/bin/wasm-opt ] || [ ! -d node_modules/playwright-core ]; then
  echo "setup: npm ci"
  if [ -f package-lock.json ]; then npm ci --no-audit --no-fund; else npm install --no-audit --no-fund; fi
fi
echo "setup: ready (wasm-bindgen $V, $(node --version), chromium at /usr/bin/chromium)"
