#!/usr/bin/env bash
# The pipeline on this machine without Docker, in one command: sets up what is missing (scripts/setup.sh:
# Node.js 24, Java 17 and Maven, the npm dependencies), then starts the local stack and runs the offline
# source, the consumer and the producer (scripts/pipeline.ts). --once: one producer run, a summary, then
# stop. Ctrl-C stops the services; the stack keeps running (npm run stack:down stops it).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
case ${1:-} in
  --once | '') ;;
  *)
    echo "usage: scripts/pipeline.sh [--once]" >&2
    exit 2
    ;;
esac

setup_env=$(bash scripts/setup.sh) # an assignment, so that set -e stops on a failure
eval "$setup_env"
exec npm run --silent pipeline -- "$@"
