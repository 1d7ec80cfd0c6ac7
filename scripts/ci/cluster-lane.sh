#!/usr/bin/env bash
# CI lane for the fault tests: starts the local cluster (scripts/stack.sh up --cluster: 3 Kafka brokers,
# 3 Cassandra nodes, the registry) in a STACK_HOME of its own, runs `npm run test:cluster` against it, and
# always stops it and wipes its data. Exit status: the tests' (or that of the step that failed before).
# Ports: the defaults below keep clear of the single-node stack's (9092, 8081, 9042...); override them with
# the usual variables (see scripts/stack.sh). Needs what `.ci/run` installs (Node, Java 17, Maven, npm ci).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."

export STACK_HOME=${CLUSTER_STACK_HOME:-$PWD/.stack-cluster}
export KAFKA_PORT=${CLUSTER_KAFKA_PORT:-26092} KAFKA_CONTROLLER_PORT=${CLUSTER_KAFKA_CONTROLLER_PORT:-26093}
export REGISTRY_PORT=${CLUSTER_REGISTRY_PORT:-26081} REGISTRY_MANAGEMENT_PORT=${CLUSTER_REGISTRY_MANAGEMENT_PORT:-26001}
export CASSANDRA_PORT=${CLUSTER_CASSANDRA_PORT:-26042} CASSANDRA_STORAGE_PORT=${CLUSTER_CASSANDRA_STORAGE_PORT:-26000}
export CASSANDRA_JMX_PORT=${CLUSTER_CASSANDRA_JMX_PORT:-26199}

# shellcheck disable=SC2317 # run by the EXIT trap
stop_cluster() {
  echo "--- stopping the cluster"
  bash scripts/stack.sh down --wipe || echo "stack down failed (status $?)" >&2
}
trap stop_cluster EXIT

start=$SECONDS
bash scripts/stack.sh up --cluster
echo "--- cluster up in $((SECONDS - start))s"
cluster_env=$(bash scripts/stack.sh env) # an assignment, so that set -e stops on a failure
eval "$cluster_env"

start=$SECONDS
status=0
timeout --kill-after=30 "${CI_CLUSTER_TIMEOUT:-1200}" npm run test:cluster || status=$?
echo "--- fault tests: exit $status in $((SECONDS - start))s"
exit "$status"
