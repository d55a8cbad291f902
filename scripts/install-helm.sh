#!/usr/bin/env bash
# Makes a Helm 3 binary available for the chart checks (CI and local runs).
#
# There is no package manager or binary download we can rely on in CI, but the Go module
# proxy is reachable, so Helm is built from its pinned release tag with `go install`.
# The binary lands in <repo>/.cache/bin (git-ignored); the chart tests look there first.
#
# Env:
#   HELM_VERSION    release tag to build (default v3.19.0; must be listed by
#                   `go list -m -versions helm.sh/helm/v3`)
#   GO              go binary (default: go on PATH, else /usr/local/go/bin/go)
#   INSTALL_TIMEOUT seconds the build may take before it is abandoned (default 900)
#   HELM_FORCE=1    rebuild even if a helm is already available
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bin_dir="${repo_root}/.cache/bin"
version="${HELM_VERSION:-v3.19.0}"
timeout_s="${INSTALL_TIMEOUT:-900}"

if [[ "${HELM_FORCE:-0}" != "1" ]]; then
  if [[ -x "${bin_dir}/helm" ]] && [[ "$("${bin_dir}/helm" version --short 2>/dev/null)" == "${version}"* ]]; then
    echo "helm already installed: ${bin_dir}/helm ($("${bin_dir}/helm" version --short))"
    exit 0
  fi
  if command -v helm >/dev/null 2>&1; then
    found="$(command -v helm)"
    # Only a Helm 3 binary will do: the chart is apiVersion v2 and the tests rely on v3 flags.
    if helm version --short 2>/dev/null | grep -q '^v3\.'; then
      echo "helm already on PATH: ${found} ($(helm version --short))"
      exit 0
    fi
    echo "ignoring ${found}: not Helm 3" >&2
  fi
fi

go_bin="${GO:-}"
if [[ -z "${go_bin}" ]]; then
  if command -v go >/dev/null 2>&1; then go_bin="$(command -v go)"; else go_bin=/usr/local/go/bin/go; fi
fi
if [[ ! -x "${go_bin}" ]] && ! command -v "${go_bin}" >/dev/null 2>&1; then
  echo "install-helm: no Go toolchain found (set GO=/path/to/go)" >&2
  exit 1
fi

# Fail early with a clear message if the tag is not a real release, instead of a long build error.
if ! timeout 120 "${go_bin}" list -m -versions helm.sh/helm/v3 | tr ' ' '\n' | grep -qx "${version}"; then
  echo "install-helm: ${version} is not a published helm.sh/helm/v3 version" >&2
  exit 1
fi

mkdir -p "${bin_dir}"
# Match the release builds: Helm's Makefile stamps the version and derives the default
# Kubernetes version (.Capabilities.KubeVersion, and what `helm lint` checks deprecations
# against) from the k8s.io/client-go it is built with. Without it `helm template` would
# pretend to talk to Kubernetes v1.20.
mod_dir="$(timeout 300 "${go_bin}" mod download -json "helm.sh/helm/v3@${version}" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')"
client_go="$(sed -n 's/^[[:space:]]*k8s.io\/client-go v\([0-9.]*\).*/\1/p' "${mod_dir}/go.mod" | head -n1)"
k8s_major="$(( ${client_go%%.*} + 1 ))"
k8s_minor="$(echo "${client_go}" | cut -d. -f2)"
ldflags="-s -w -X helm.sh/helm/v3/internal/version.version=${version}"
for pkg in helm.sh/helm/v3/pkg/lint/rules helm.sh/helm/v3/pkg/chartutil; do
  ldflags+=" -X ${pkg}.k8sVersionMajor=${k8s_major} -X ${pkg}.k8sVersionMinor=${k8s_minor}"
done

echo "install-helm: building helm ${version} (Kubernetes ${k8s_major}.${k8s_minor} defaults) with $("${go_bin}" version | cut -d' ' -f3); this takes a few minutes..."
start="$(date +%s)"
# CGO off gives a static binary and avoids needing a C toolchain.
GOBIN="${bin_dir}" CGO_ENABLED=0 timeout "${timeout_s}" \
  "${go_bin}" install -trimpath -ldflags "${ldflags}" "helm.sh/helm/v3/cmd/helm@${version}"
end="$(date +%s)"
echo "install-helm: installed ${bin_dir}/helm ($("${bin_dir}/helm" version --short)) in $((end - start))s"
