#!/usr/bin/env bash
# Start cc2cc on this machine: installs what is missing, builds, and runs the hub (with the
# dashboard when it is built) on port ${CC2CC_HUB_PORT:-3100}. Without CC2CC_REDIS_URL the hub
# uses its in-process engine (one replica, nothing kept across a restart).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=bootstrap.sh
source "$root/scripts/bootstrap.sh"
cd "$root"
pnpm build >&2

if [ -z "${CC2CC_HUB_API_KEY:-}" ]; then
  keyfile="$root/.cache/dev-api-key"
  mkdir -p "$root/.cache"
  [ -s "$keyfile" ] || node -e 'process.stdout.write(require("node:crypto").randomBytes(24).toString("base64url"))' >"$keyfile"
  export CC2CC_HUB_API_KEY="$(cat "$keyfile")"
  echo "start: no CC2CC_HUB_API_KEY set; using the generated key in .cache/dev-api-key:" >&2
  echo "       $CC2CC_HUB_API_KEY" >&2
fi
if [ -z "${CC2CC_DASHBOARD_DIR:-}" ] && [ -d "$root/dashboard/dist" ]; then
  export CC2CC_DASHBOARD_DIR="$root/dashboard/dist"
fi
echo "start: hub on http://localhost:${CC2CC_HUB_PORT:-3100} (plugins: CC2CC_HUB_URL=http://<this-host>:${CC2CC_HUB_PORT:-3100})" >&2
MALLOC_ARENA_MAX=2 exec node --max-semi-space-size=64 "$root/hub/dist/main.js"  # as hub/Dockerfile runs it
