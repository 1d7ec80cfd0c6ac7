import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from '@userstream/shared';
import { loadProducerConfig } from './config.ts';

test('defaults need no environment', () => {
  const config = loadProducerConfig({});
  assert.equal(config.PRODUCER_BATCH_SIZE, 1_000);
  assert.equal(config.PRODUCER_PAGE_SIZE, 2_000);
  assert.equal(config.KAFKA_TOPIC, 'users_created');
  assert.equal(config.RANDOMUSER_URL, 'http://127.0.0.1:8088/api/1.4/');
  assert.equal(config.PRODUCER_SCHEDULE, '*/1 * * * *');
});

test('every invalid setting is listed by variable name', () => {
  assert.throws(
    () =>
      loadProducerConfig({
        PRODUCER_SCHEDULE: 'every minute',
        PRODUCER_BATCH_SIZE: '0',
        PRODUCER_PAGE_SIZE: '5001',
        RANDOMUSER_URL: 'randomuser.me',
        RANDOMUSER_NAT: 'USA',
        KAFKA_COMPRESSION: 'snappy',
        HTTP_PORT: '70000',
        LOG_LEVEL: 'loud',
      }),
    (error: unknown) => {
      assert.ok(error instanceof ConfigError);
      const names = error.problems.map((p) => p.split(':')[0]).sort();
      assert.deepEqual(names, [
        'HTTP_PORT',
        'KAFKA_COMPRESSION',
        'LOG_LEVEL',
        'PRODUCER_BATCH_SIZE',
        'PRODUCER_PAGE_SIZE',
        'PRODUCER_SCHEDULE',
        'RANDOMUSER_NAT',
        'RANDOMUSER_URL',
      ]);
      return true;
    },
  );
});
