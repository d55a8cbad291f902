#!/usr/bin/env bash
# Makes a k6 binary available for the load tests (CI and local runs).
#
# k6 is built from its pinned release tag with `go install` (the Go module proxy is reachable
# where binary downloads are not). The binary lands in <repo>/.cache/bin (git-ignored); the
# loadtest runner looks there first, then on PATH.
#
# Env:
#   K6_VERSION      release tag to build (default v1.8.1; must be listed by
#                   `go list -m -versions go.k6.io/k6`)
#   GO              go binary (default: go on PATH, else /usr/local/go/bin/go)
#   INSTALL_TIMEOUT seconds the build may take before it is abandoned (default 1200)
#   K6_FORCE=1      rebuild even if a k6 is already available
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bin_dir="${repo_root}/.cache/bin"
version="${K6_VERSION:-v1.8.1}"
timeout_s="${INSTALL_TIMEOUT:-1200}"

if [[ "${K6_FORCE:-0}" != "1" ]]; then
  if [[ -x "${bin_dir}/k6" ]]; then
    echo "k6 already installed: ${bin_dir}/k6 ($("${bin_dir}/k6" version 2>/dev/null | head -n1))"
    exit 0
  fi
  if command -v k6 >/dev/null 2>&1; then
    # The scripts use k6/websockets, stable since k6 v1.0.
    if k6 version 2>/dev/null | grep -q '^k6 v[1-9]'; then
      echo "k6 already on PATH: $(command -v k6) ($(k6 version | head -n1))"
      exit 0
    fi
    echo "ignoring $(command -v k6): older than k6 v1 (no k6/websockets)" >&2
  fi
fi

go_bin="${GO:-}"
if [[ -z "${go_bin}" ]]; then
  if command -v go >/dev/null 2>&1; then go_bin="$(command -v go)"; else go_bin=/usr/local/go/bin/go; fi
fi
if [[ ! -x "${go_bin}" ]] && ! command -v "${go_bin}" >/dev/null 2>&1; then
  echo "install-k6: no Go toolchain found (set GO=/path/to/go)" >&2
  exit 1
fi

# Fail early with a clear message if the tag is not a real release, instead of a long build error.
if ! timeout 120 "${go_bin}" list -m -versions go.k6.io/k6 | tr ' ' '\n' | grep -qx "${version}"; then
  echo "install-k6: ${version} is not a published go.k6.io/k6 version" >&2
  echo "install-k6: published: $(timeout 120 "${go_bin}" list -m -versions go.k6.io/k6 | cut -d' ' -f2-)" >&2
  exit 1
fi

mkdir -p "${bin_dir}"
echo "install-k6: building k6 ${version} with $("${go_bin}" version | cut -d' ' -f3); this takes a few minutes..."
start="$(date +%s)"
# CGO off gives a static binary and avoids needing a C toolchain.
GOBIN="${bin_dir}" CGO_ENABLED=0 timeout "${timeout_s}" \
  "${go_bin}" install -trimpath -ldflags "-s -w" "go.k6.io/k6@${version}"
end="$(date +%s)"
echo "install-k6: installed ${bin_dir}/k6 ($("${bin_dir}/k6" version | head -n1)) in $((end - start))s"
