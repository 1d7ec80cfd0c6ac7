#!/usr/bin/env bash
# The Kafka 3.9 lane: Docker Compose runs Confluent Platform 7.9, whose broker is Kafka 3.9, while the local
# stack runs Kafka 4.x. With the stack up (registry and Cassandra are reused), this stops the stack's
# Kafka, starts Kafka 3.9 in KRaft mode on the same ports (a STACK_HOME of its own, fresh data), runs the
# Kafka-facing integration tests below against it, and stops it again. The stack's own Kafka stays down
# (`npm run stack:up` starts it again). .ci/run calls it after the main test run.
#
# Environment: KAFKA_LANE_VERSION [3.9.1]; KAFKA_LANE_TESTS, test files separated by spaces [the list
# below]; CI_LANE_TIMEOUT, seconds for the tests [600]; the stack's usual settings (STACK_HOME, KAFKA_PORT...).
set -euo pipefail

REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$REPO_ROOT"

# The tests whose subject is how kafkajs meets the broker: producing (retries, request sizes), dead letters
# (sizes, compression, a refused letter), the idempotent producer, the whole pipeline (framing, replay,
# fetch limits). test/integration/broker-restart.test.ts also passes on 3.9 but is left out: it waits out
# a 30 s session and starts a broker of its own, which would double the lane's time (KAFKA_LANE_TESTS adds it).
LANE_TESTS=(
  test/integration/producer.test.ts
  test/integration/dead-letter.test.ts
  test/integration/idempotent-producer.test.ts
  test/integration/pipeline.test.ts
)
# shellcheck disable=SC2206 # a space-separated list of paths
[[ -n ${KAFKA_LANE_TESTS:-} ]] && LANE_TESTS=(${KAFKA_LANE_TESTS})

KAFKA_LANE_VERSION=${KAFKA_LANE_VERSION:-3.9.1}
main_home=${STACK_HOME:-$REPO_ROOT/.stack}
lane_home=$main_home/lanes/kafka-$KAFKA_LANE_VERSION

log() { printf 'kafka-lane: %s\n' "$*" >&2; }

# shellcheck disable=SC2317 # run by the EXIT trap
stop_lane_kafka() {
  local status=$?
  STACK_HOME=$lane_home bash scripts/stack.sh down --wipe kafka ||
    log "stopping Kafka $KAFKA_LANE_VERSION failed (status $?)"
  exit "$status"
}

start=$SECONDS
STACK_HOME=$main_home bash scripts/stack.sh down kafka
trap stop_lane_kafka EXIT
# Fresh data: a broker formatted by another version, or left by a run cut short, is not reused.
STACK_HOME=$lane_home bash scripts/stack.sh down --wipe kafka
STACK_HOME=$lane_home KAFKA_VERSION=$KAFKA_LANE_VERSION bash scripts/stack.sh up kafka
log "Kafka $KAFKA_LANE_VERSION up in $((SECONDS - start))s"

# The services' addresses (the same ports); KAFKA_VERSION reaches the tests that start a Kafka of their own
# (broker-restart), so that theirs is 3.9 too.
stack_env=$(STACK_HOME=$main_home bash scripts/stack.sh env)
eval "$stack_env"
export KAFKA_VERSION=$KAFKA_LANE_VERSION
status=0
timeout --kill-after=30 "${CI_LANE_TIMEOUT:-600}" node --conditions=source --test --test-concurrency=1 \
  --test-timeout=600000 "${LANE_TESTS[@]}" || status=$?
log "${#LANE_TESTS[@]} test files against Kafka $KAFKA_LANE_VERSION: exit $status, $((SECONDS - start))s in all"
exit "$status"
