#!/usr/bin/env bash
# Every test: installs what is missing (Node 22, pnpm, redis-server, chromium), then builds, lints, and
# runs the unit, contract, end-to-end and fault suites of every package, and the chart tests.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=bootstrap.sh
source "$root/scripts/bootstrap.sh" --with-redis --with-chromium
cd "$root"
pnpm test
# Faults (kill -9, Redis outage, storms, SIGTERM), the fuzzer and the security checks: ~5 min.
pnpm --filter @cc2cc/hub test:chaos
if [ -d charts/test ]; then pnpm run test:chart; fi
