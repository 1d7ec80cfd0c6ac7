import { test } from 'node:test';
import assert from 'node:assert/strict';
import { captureLogs } from '../observability/log-capture.ts';
import { createKafka, pipelineTopics, topicConfig } from './kafka-client.ts';

test("kafkajs's warning about the idempotent producer's limited retries is expected, logged at debug", () => {
  const { logger, lines } = captureLogs('debug');
  // kafkajs warns when the producer is created; nothing connects.
  createKafka({ brokers: ['127.0.0.1:1'], clientId: 'test' }, logger).producer({ idempotent: true });
  const warning = lines.find((line) => line.msg.startsWith('Limiting retries for the idempotent producer'));
  assert.ok(warning, JSON.stringify(lines));
  assert.equal(warning.level, 20, 'debug, not warn');
  assert.equal(warning.component, 'kafkajs');
});

test('at the default level it is not printed at all, while other kafkajs warnings still are', () => {
  const { logger, lines } = captureLogs('info');
  const kafka = createKafka({ brokers: ['127.0.0.1:1'], clientId: 'test' }, logger);
  kafka.producer({ idempotent: true });
  assert.equal(lines.length, 0, JSON.stringify(lines));
  // Not one of the expected warnings: kafkajs warns about this configuration, and it must still show.
  kafka.logger().warn('something the operator must see');
  assert.equal(lines.length, 1);
  assert.equal(lines[0]!.level, 40);
});

test("a coordinator still loading after the broker's start is logged at debug; other kafkajs errors stay errors", () => {
  const { logger, lines } = captureLogs('info');
  const kafka = createKafka({ brokers: ['127.0.0.1:1'], clientId: 'test' }, logger);
  // As kafkajs's connection logs a retriable answer to a group request.
  for (const error of [
    "The coordinator is loading and hence can't process requests for this group",
    'The group coordinator is not available',
    'This is not the correct coordinator for this group',
  ]) {
    kafka.logger().error('Response JoinGroup(key: 11, version: 5)', { error, correlationId: 3 });
  }
  assert.equal(lines.length, 0, 'hidden at info');
  kafka.logger().error('Response Produce(key: 0, version: 7)', { error: 'Topic authorization failed' });
  kafka.logger().error('Crash: KafkaJSNumberOfRetriesExceeded', {
    error: "The coordinator is loading and hence can't process requests for this group (after 8 retries)",
  });
  kafka.logger().warn('Response JoinGroup(key: 11, version: 5)', {
    error: 'The group coordinator is not available',
  });
  assert.deepEqual(
    lines.map((line) => [line.level, line.msg]),
    [
      [50, 'Response Produce(key: 0, version: 7)'],
      [50, 'Crash: KafkaJSNumberOfRetriesExceeded'],
      [40, 'Response JoinGroup(key: 11, version: 5)'],
    ],
    'every other error, and the same text at another level, still shows',
  );

  const debug = captureLogs('debug');
  createKafka({ brokers: ['127.0.0.1:1'], clientId: 'test' }, debug.logger)
    .logger()
    .error('Response FindCoordinator(key: 10, version: 2)', {
      error: 'The group coordinator is not available',
    });
  assert.equal(debug.lines[0]?.level, 20, 'kept at debug');
  assert.equal(debug.lines[0]?.error, 'The group coordinator is not available');
});

test('KAFKA_SSL_REJECT_UNAUTHORIZED=false warns once at start, naming the setting; verified TLS does not', () => {
  const { logger, lines } = captureLogs('info');
  createKafka({ brokers: ['127.0.0.1:1'], clientId: 'test', ssl: { rejectUnauthorized: true } }, logger);
  assert.equal(lines.length, 0, JSON.stringify(lines));
  createKafka({ brokers: ['127.0.0.1:1'], clientId: 'test', ssl: { rejectUnauthorized: false } }, logger);
  assert.equal(lines.length, 1, JSON.stringify(lines));
  assert.equal(lines[0]!.level, 40);
  assert.equal(lines[0]!.setting, 'KAFKA_SSL_REJECT_UNAUTHORIZED');
  assert.match(lines[0]!.msg, /not verified/);
});

test('pipelineTopics: the users topic and the dead-letter topic, both with the configured partitions, RF, ISR', () => {
  const env = { KAFKA_TOPIC: 'users', KAFKA_DLQ_TOPIC: 'users.dlq', KAFKA_TOPIC_PARTITIONS: 6 };
  assert.deepEqual(pipelineTopics({ ...env, KAFKA_REPLICATION_FACTOR: 3, KAFKA_MIN_INSYNC_REPLICAS: 2 }), [
    { topic: 'users', numPartitions: 6, replicationFactor: 3, minInsyncReplicas: 2 },
    { topic: 'users.dlq', numPartitions: 6, replicationFactor: 3, minInsyncReplicas: 2 },
  ]);
  const single = pipelineTopics({ ...env, KAFKA_REPLICATION_FACTOR: 1 });
  assert.deepEqual(single.map(topicConfig), [
    { topic: 'users', numPartitions: 6, replicationFactor: 1 },
    { topic: 'users.dlq', numPartitions: 6, replicationFactor: 1 },
  ]);
});

test('a topic gets min.insync.replicas as a topic config only when it is set', () => {
  const base = { topic: 'users', numPartitions: 6, replicationFactor: 3 };
  assert.deepEqual(topicConfig(base), base);
  assert.deepEqual(topicConfig({ ...base, minInsyncReplicas: undefined }), base);
  assert.deepEqual(topicConfig({ ...base, minInsyncReplicas: 2 }), {
    ...base,
    configEntries: [{ name: 'min.insync.replicas', value: '2' }],
  });
});
