#!/usr/bin/env bash
# Source this file: it makes Node >= 22.12 and pnpm available on PATH (installing them from
# the npm registry into a cache folder when the machine lacks them), then installs the
# workspace's packages. `--with-redis` also installs Debian's redis-server when it is missing,
# `--with-chromium` Debian's chromium (for the dashboard's browser tests).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
tools="${CC2CC_TOOLS_DIR:-$HOME/.cache/cc2cc-tools}"

node_ok() {
  command -v node >/dev/null 2>&1 &&
    node -e 'const [a,b]=process.versions.node.split(".").map(Number);process.exit(a>22||(a===22&&b>=12)?0:1)'
}

if ! node_ok; then
  if [ ! -x "$tools/node22/bin/node" ]; then
    echo "bootstrap: installing Node 22 into $tools/node22 (npm registry)" >&2
    npm install --global --prefer-offline --no-audit --no-fund --prefix "$tools/node22" node@22 >&2
  fi
  export PATH="$tools/node22/bin:$PATH"
  node_ok || { echo "bootstrap: Node >= 22.12 is required and could not be installed" >&2; exit 1; }
fi

if ! command -v pnpm >/dev/null 2>&1 || [ "$(pnpm --version | cut -d. -f1)" -lt 10 ]; then
  if [ ! -x "$tools/pnpm/bin/pnpm" ]; then
    echo "bootstrap: installing pnpm into $tools/pnpm (npm registry)" >&2
    npm install --global --prefer-offline --no-audit --no-fund --prefix "$tools/pnpm" pnpm@12 >&2
  fi
  export PATH="$tools/pnpm/bin:$PATH"
fi

# Debian packages the tests need, installed only when missing: redis-server (--with-redis) and
# the Chromium the dashboard's browser tests drive (--with-chromium); never a downloaded browser.
apt_missing=()
for flag in "$@"; do
  case "$flag" in
    --with-redis) command -v redis-server >/dev/null 2>&1 || apt_missing+=(redis-server) ;;
    --with-chromium) [ -x /usr/bin/chromium ] || apt_missing+=(chromium) ;;
  esac
done
if [ "${#apt_missing[@]}" -gt 0 ]; then
  echo "bootstrap: installing ${apt_missing[*]} (Debian)" >&2
  if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
  $SUDO apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${apt_missing[@]}" >&2
fi

cd "$root"
pnpm install --frozen-lockfile >&2
echo "bootstrap: node $(node --version), pnpm $(pnpm --version)" >&2
