#!/usr/bin/env bash
# Sets up, builds dist/ and serves it on 127.0.0.1 (PORT, default 8080).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build-web.sh
PORT="${PORT:-8080}"
echo "Kafkascope: http://127.0.0.1:${PORT}/"
exec python3 -m http.server "$PORT" --bind 127.0.0.1 --directory dist
