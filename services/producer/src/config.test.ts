import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from '@userstream/shared/errors';
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

test('a nationality randomuser.me does not know is refused by name, in any case', () => {
  assert.equal(loadProducerConfig({ RANDOMUSER_NAT: 'us,Gb' }).RANDOMUSER_NAT, 'us,Gb');
  assert.throws(
    () => loadProducerConfig({ RANDOMUSER_NAT: 'US,UK' }),
    (error: unknown) =>
      error instanceof ConfigError &&
      error.problems.length === 1 &&
      /^RANDOMUSER_NAT: unknown nationality UK .*ignore the whole filter/.test(error.problems[0]!),
  );
});

test('an 18-character seed is refused: randomuser.me reads its last two characters as a nationality', () => {
  assert.equal(
    loadProducerConfig({ RANDOMUSER_SEED: 'userstream-prod-1' }).RANDOMUSER_SEED,
    'userstream-prod-1',
  );
  assert.throws(
    () => loadProducerConfig({ RANDOMUSER_SEED: 'userstream-prod-01' }),
    (error: unknown) =>
      error instanceof ConfigError && /^RANDOMUSER_SEED: .*nationality/.test(error.problems.join('\n')),
  );
});

test('RANDOMUSER_URL must be http(s): a URL without a scheme is refused', () => {
  for (const url of ['localhost:8088/api/1.4/', 'randomuser.me:443/api/', 'ftp://randomuser.me/api/']) {
    assert.throws(
      () => loadProducerConfig({ RANDOMUSER_URL: url }),
      (error: unknown) => error instanceof ConfigError && /^RANDOMUSER_URL: /.test(error.problems.join('\n')),
      url,
    );
  }
  assert.equal(
    loadProducerConfig({ RANDOMUSER_URL: 'http://randomuser-source:8088/api/1.4/' }).RANDOMUSER_URL,
    'http://randomuser-source:8088/api/1.4/',
  );
});

test('a batch needing more than 10,000 pages is refused: randomuser.me repeats page 1 after that', () => {
  const ok = loadProducerConfig({ PRODUCER_BATCH_SIZE: '50000', PRODUCER_PAGE_SIZE: '5' });
  assert.equal(ok.PRODUCER_BATCH_SIZE, 50_000);
  assert.throws(
    () => loadProducerConfig({ PRODUCER_BATCH_SIZE: '50001', PRODUCER_PAGE_SIZE: '5' }),
    (error: unknown) =>
      error instanceof ConfigError &&
      /^PRODUCER_BATCH_SIZE: 50001 users in pages of 5 .* take 10001 pages/.test(error.problems.join('\n')),
  );
});

test('the dead-letter topic (for refused results) must differ from the users topic', () => {
  assert.equal(loadProducerConfig({}).KAFKA_DLQ_TOPIC, 'users_created.dlq');
  assert.throws(
    () => loadProducerConfig({ KAFKA_TOPIC: 'users', KAFKA_DLQ_TOPIC: 'users' }),
    (error: unknown) =>
      error instanceof ConfigError &&
      /^KAFKA_DLQ_TOPIC: must differ from KAFKA_TOPIC/.test(error.problems[0]!),
  );
});

test('RANDOMUSER_TIMEOUT_MS must leave SHUTDOWN_TIMEOUT_MS 5 s to publish, and KAFKA_SEND_CHUNK at most 2,000', () => {
  assert.equal(loadProducerConfig({ RANDOMUSER_TIMEOUT_MS: '25000' }).RANDOMUSER_TIMEOUT_MS, 25_000);
  assert.throws(
    () => loadProducerConfig({ RANDOMUSER_TIMEOUT_MS: '25001' }),
    (error: unknown) =>
      error instanceof ConfigError &&
      /^RANDOMUSER_TIMEOUT_MS: 25001 ms must be at least 5000 ms shorter than SHUTDOWN_TIMEOUT_MS \(30000\)/.test(
        error.problems.join('\n'),
      ),
  );
  assert.equal(loadProducerConfig({ KAFKA_SEND_CHUNK: '2000' }).KAFKA_SEND_CHUNK, 2_000);
  assert.throws(
    () => loadProducerConfig({ KAFKA_SEND_CHUNK: '2001' }),
    (error: unknown) => error instanceof ConfigError && /^KAFKA_SEND_CHUNK: /.test(error.problems.join('\n')),
  );
});
