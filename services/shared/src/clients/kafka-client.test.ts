import { test } from 'node:test';
import assert from 'node:assert/strict';
import { captureLogs } from '../observability/log-capture.ts';
import { createKafka } from './kafka-client.ts';

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
