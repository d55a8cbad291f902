#!/usr/bin/env bash
# Every test: installs what is missing (Node 22, pnpm, redis-server, chromium), then builds, lints, and
# runs the unit, contract, end-to-end and fault suites of every package, the chart tests and the
# k6 load smoke.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=bootstrap.sh
source "$root/scripts/bootstrap.sh" --with-redis --with-chromium
cd "$root"
pnpm test
# Faults (kill -9, Redis outage, storms, SIGTERM), the fuzzer and the security checks: ~5 min.
pnpm --filter @cc2cc/hub test:chaos
if [ -d charts/test ]; then pnpm run test:chart; fi
# k6 smoke of every load script against Redis + 2 hubs it starts (builds k6 with `go install`
# when missing): nothing lost, thresholds per script; ~75 s plus the k6 build.
pnpm loadtest:smoke
