#!/usr/bin/env bash
# Stops everything `docker compose up` started for userstream (compose.yaml and the files it includes),
# the offline profile's randomuser-source included, and removes its containers and network.
#
# Usage: scripts/stop-pipeline.sh [--volumes] [--help]
#   --volumes, -v   also delete the data volumes (Kafka log, Cassandra data): the next `up` starts empty
#
# Works from any directory. Each container gets its stop_grace_period (the consumer 60 s to drain).
# The exit status is docker compose's: non-zero when anything failed to stop or be removed.
# Environment: COMPOSE_PROJECT_NAME, DOCKER_HOST and the other variables docker compose reads are honoured.
set -euo pipefail

usage() {
  sed -n '2,10p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
}

remove_volumes=false
for arg in "$@"; do
  case "$arg" in
    -v | --volumes) remove_volumes=true ;;
    -h | --help)
      usage
      exit 0
      ;;
    *)
      echo "stop-pipeline: unknown option: $arg" >&2
      usage >&2
      exit 2
      ;;
  esac
done

repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo_root"

if ! command -v docker > /dev/null 2>&1; then
  echo "stop-pipeline: docker is not installed or not on PATH" >&2
  exit 127
fi
if ! docker compose version > /dev/null 2>&1; then
  echo "stop-pipeline: 'docker compose' (the Compose v2 plugin) is not available" >&2
  exit 127
fi

# --profile offline: `down` only sees the services of the enabled profiles; --remove-orphans also takes
# containers of services that no longer exist in the files.
args=(compose --file compose.yaml --profile offline down --remove-orphans)
if [[ $remove_volumes == true ]]; then
  args+=(--volumes)
  echo "stop-pipeline: stopping userstream and deleting its data volumes (in $repo_root)"
else
  echo "stop-pipeline: stopping userstream, keeping its data volumes (in $repo_root)"
fi

status=0
docker "${args[@]}" || status=$?
if ((status != 0)); then
  echo "stop-pipeline: 'docker ${args[*]}' failed with exit status $status" >&2
  exit "$status"
fi
if [[ $remove_volumes == true ]]; then
  echo "stop-pipeline: stopped; containers, network and data volumes removed"
else
  echo "stop-pipeline: stopped; containers and network removed, data kept (--volumes deletes it)"
fi
