#!/usr/bin/env bash
# CI's secure lane (called from .ci/run after the main tests): restarts the local stack in secure mode
# (scripts/stack.sh up --secure: TLS, SCRAM, ACLs, Cassandra roles, the registry behind HTTPS and basic auth),
# runs test/integration/secure-*.test.ts against it with the settings `stack:env` prints, and stops it.
# The plain stack of the main lane uses the same ports and STACK_HOME, so it is stopped first.
# Exit status: the tests' (or that of the step that failed before them).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/../.."
lane_start=$SECONDS

npm run --silent stack:down
up_start=$SECONDS
npm run stack:up -- --secure
echo "--- secure stack up in $((SECONDS - up_start))s"
stack_env=$(npm run --silent stack:env) # an assignment, so that set -e stops on a failure
eval "$stack_env"
# In this lane a missing secure environment fails the tests instead of skipping them.
export USERSTREAM_SECURE_LANE=1

status=0
timeout --kill-after=30 "${CI_SECURE_TEST_TIMEOUT:-900}" \
  node --conditions=source --test --test-concurrency=1 --test-timeout=600000 test/integration/secure-*.test.ts ||
  status=$?
npm run --silent stack:down || echo "stack:down failed (status $?)" >&2
echo "--- secure lane: $((SECONDS - lane_start))s (status $status)"
exit "$status"
