#!/usr/bin/env bash
# Builds the pinned Docker Compose from the Go module proxy into <repo>/.tools/docker-compose (git-ignored)
# and prints its path, for
#   export COMPOSE_BIN=$(bash scripts/setup/compose.sh)
# Cached: nothing is built when that binary already reports the pinned version. The compose tests
# (test/compose/) run it as `$COMPOSE_BIN config ...`; it needs no Docker engine for that. The same binary
# also works as the Docker CLI plugin (copy or link it to ~/.docker/cli-plugins/docker-compose).
#
# `go install github.com/docker/compose/v5/cmd@vX` is refused (Compose's go.mod has exclude directives),
# so it is built from a throw-away module that requires Compose. Needs Go (1.21+; an older toolchain
# than Compose's go.mod asks for is replaced through GOTOOLCHAIN=auto, also from the module proxy).
#
# Environment: COMPOSE_VERSION (default 5.6.0, the pinned one), COMPOSE_TOOLS_DIR (default <repo>/.tools).
set -euo pipefail

REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
COMPOSE_VERSION=${COMPOSE_VERSION:-5.6.0}
TOOLS_DIR=${COMPOSE_TOOLS_DIR:-$REPO_ROOT/.tools}
BIN=$TOOLS_DIR/docker-compose
MODULE=github.com/docker/compose/v5

log() { printf 'setup/compose: %s\n' "$*" >&2; }

if [[ -x $BIN ]] && [[ $("$BIN" version --short 2>/dev/null || true) == "$COMPOSE_VERSION" ]]; then
  log "using Docker Compose $COMPOSE_VERSION at $BIN (cached)"
  echo "$BIN"
  exit 0
fi

command -v go >/dev/null 2>&1 || {
  log "Go is needed to build Docker Compose $COMPOSE_VERSION (https://go.dev/dl/, or apt-get install golang-go)"
  exit 1
}

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
start=$SECONDS
log "building Docker Compose $COMPOSE_VERSION with $(go version | cut -d' ' -f3) (1-6 minutes cold, seconds with a warm Go build cache)"
mkdir -p "$TOOLS_DIR"
# `&&`, not set -e: errexit does not apply inside a subshell whose status is tested.
(
  cd "$work" &&
    go mod init userstream.local/compose-build &&
    # The cmd package itself, so that go.sum gets every module it imports.
    go get "$MODULE/cmd@v$COMPOSE_VERSION" &&
    # Compose's Makefile stamps the version the same way; -s -w leave out debug symbols.
    go build -trimpath -ldflags "-s -w -X $MODULE/internal.Version=v$COMPOSE_VERSION" -o "$BIN.partial" "$MODULE/cmd"
) >"$work/build.log" 2>&1 || {
  log "building Docker Compose $COMPOSE_VERSION failed:"
  sed 's/^/  | /' "$work/build.log" >&2
  rm -f "$BIN.partial"
  exit 1
}
mv "$BIN.partial" "$BIN"
built=$("$BIN" version --short)
[[ $built == "$COMPOSE_VERSION" ]] || {
  log "built $BIN reports version $built, not $COMPOSE_VERSION"
  exit 1
}
log "built Docker Compose $built in $((SECONDS - start))s at $BIN"
echo "$BIN"
