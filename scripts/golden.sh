#!/usr/bin/env bash
# Re-records the golden traces under tests/golden/ after an intended behaviour change, then checks
# them all (the whole 900-seed sweep included), so what it wrote is what a second run gives.
# Review `git diff tests/golden/` before committing: that diff is the behaviour change.
set -euo pipefail
cd "$(dirname "$0")/.."
echo "== recording tests/golden/ (every scenario, 300 fault-sweep seeds per profile)"
KAFKASCOPE_GOLDEN=record cargo test --release --test golden
echo "== checking them all again"
cargo test --release --test golden -- --include-ignored
git status --short -- tests/golden/ || true
git diff --stat -- tests/golden/ || true
