// Helpers for the integration tests: they run the real services as processes against the real local stack
// (npm run stack:up), each test with its own topic, consumer group and keyspace. The helpers themselves are
// the dev harness's (dev/), shared with the bench and scripts; this file keeps the names the tests import.
import assert from 'node:assert/strict';
import { startService, type ServiceProcess } from '../../dev/index.ts';

export * from '../../dev/index.ts';

/**
 * Runs the real producer once (`--once`) with `env`, publishing `count` users of `seed` (the producer's
 * default seed when undefined) from the source at `sourceUrl`; fails unless it exits 0.
 */
export async function produceUsers(
  env: Record<string, string>,
  sourceUrl: string,
  seed: string | undefined,
  count: number,
): Promise<ServiceProcess> {
  const producer = startService(
    'producer',
    {
      ...env,
      RANDOMUSER_URL: sourceUrl,
      ...(seed === undefined ? {} : { RANDOMUSER_SEED: seed }),
      PRODUCER_BATCH_SIZE: String(count),
    },
    ['--once'],
  );
  assert.equal(await producer.exited, 0, producer.output().slice(-3_000));
  return producer;
}
