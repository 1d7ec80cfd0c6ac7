import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from '@userstream/shared/errors';
import { loadConsumerConfig } from './config.ts';

test('defaults need no environment', () => {
  const config = loadConsumerConfig({});
  assert.equal(config.CONSUMER_GROUP_ID, 'userstream-cassandra-sink');
  assert.equal(config.KAFKA_DLQ_TOPIC, 'users_created.dlq');
  assert.equal(config.CASSANDRA_KEYSPACE, 'userstream');
  assert.equal(config.CASSANDRA_TABLE, 'users');
  assert.equal(config.HTTP_PORT, 8090);
  assert.equal(config.CONSUMER_FETCH_MAX_WAIT_MS, 500);
});

test('every invalid setting is listed by variable name', () => {
  assert.throws(
    () =>
      loadConsumerConfig({
        CONSUMER_WRITE_CONCURRENCY: '0',
        CASSANDRA_TABLE: 'users; DROP',
        CASSANDRA_REPLICATION: 'three',
        CASSANDRA_CONTACT_POINTS: ' , ',
        KAFKA_DLQ_TOPIC: 'dead letters',
        CONSUMER_FROM_BEGINNING: 'maybe',
        CONSUMER_FETCH_MAX_WAIT_MS: '30000',
      }),
    (error: unknown) => {
      assert.ok(error instanceof ConfigError);
      const names = error.problems.map((p) => p.split(':')[0]).sort();
      assert.deepEqual(names, [
        'CASSANDRA_CONTACT_POINTS',
        'CASSANDRA_REPLICATION',
        'CASSANDRA_TABLE',
        'CONSUMER_FETCH_MAX_WAIT_MS',
        'CONSUMER_FROM_BEGINNING',
        'CONSUMER_WRITE_CONCURRENCY',
        'KAFKA_DLQ_TOPIC',
      ]);
      return true;
    },
  );
});

test('KAFKA_MIN_INSYNC_REPLICAS is unset by default, and refused above KAFKA_REPLICATION_FACTOR', () => {
  assert.equal(loadConsumerConfig({}).KAFKA_MIN_INSYNC_REPLICAS, undefined);
  const cluster = loadConsumerConfig({ KAFKA_REPLICATION_FACTOR: '3', KAFKA_MIN_INSYNC_REPLICAS: '2' });
  assert.equal(cluster.KAFKA_MIN_INSYNC_REPLICAS, 2);
  assert.throws(
    () => loadConsumerConfig({ KAFKA_MIN_INSYNC_REPLICAS: '2' }),
    (error: unknown) => {
      assert.ok(error instanceof ConfigError);
      assert.match(
        error.problems[0]!,
        /^KAFKA_MIN_INSYNC_REPLICAS: 2 exceeds KAFKA_REPLICATION_FACTOR \(1\)/,
      );
      return true;
    },
  );
});

test('a dead-letter topic equal to the input topic is refused, by name', () => {
  assert.throws(
    () => loadConsumerConfig({ KAFKA_TOPIC: 'users', KAFKA_DLQ_TOPIC: 'users' }),
    (error: unknown) => {
      assert.ok(error instanceof ConfigError);
      assert.equal(error.problems.length, 1);
      assert.match(error.problems[0]!, /^KAFKA_DLQ_TOPIC: must differ from KAFKA_TOPIC.*\(got "users"\)$/);
      return true;
    },
  );
  // The default dead-letter topic follows its own default, not a changed input topic: still distinct.
  assert.equal(loadConsumerConfig({ KAFKA_TOPIC: 'users' }).KAFKA_DLQ_TOPIC, 'users_created.dlq');
});

test('credentials come in pairs: a Cassandra user without a password is refused, naming the password', () => {
  assert.throws(
    () => loadConsumerConfig({ CASSANDRA_USERNAME: 'app' }),
    (error: unknown) =>
      error instanceof ConfigError &&
      /^CASSANDRA_PASSWORD: required when CASSANDRA_USERNAME/.test(error.problems.join('\n')),
  );
  assert.equal(
    loadConsumerConfig({ CASSANDRA_USERNAME: 'app', CASSANDRA_PASSWORD: 'pw' }).CASSANDRA_CONSISTENCY,
    'local_quorum',
  );
});

test('settings past what Node timers and Kafka take are refused: shutdown timeout, fetch size, session timeout', () => {
  const ok = loadConsumerConfig({
    SHUTDOWN_TIMEOUT_MS: '2147483647',
    CONSUMER_MAX_BYTES_PER_PARTITION: '2147483647',
    CONSUMER_SESSION_TIMEOUT_MS: '1800000',
  });
  assert.equal(ok.SHUTDOWN_TIMEOUT_MS, 2_147_483_647);
  assert.throws(
    () =>
      loadConsumerConfig({
        // Node would run a 3e9 ms timer after 1 ms, so every stop would time out at once.
        SHUTDOWN_TIMEOUT_MS: '3000000000',
        CONSUMER_MAX_BYTES_PER_PARTITION: '2147483648',
        CONSUMER_SESSION_TIMEOUT_MS: '1800001',
      }),
    (error: unknown) =>
      error instanceof ConfigError &&
      ['SHUTDOWN_TIMEOUT_MS', 'CONSUMER_MAX_BYTES_PER_PARTITION', 'CONSUMER_SESSION_TIMEOUT_MS'].every(
        (name) => error.problems.some((problem) => problem.startsWith(`${name}: `)),
      ),
  );
});
