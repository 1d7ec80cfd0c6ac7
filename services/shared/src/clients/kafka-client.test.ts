import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { createLogger } from '../observability/logger.ts';
import { createKafka } from './kafka-client.ts';

/** kafkajs's log lines as pino writes them, at `level`. */
function capture(level: 'info' | 'debug') {
  const lines: { level: number; msg: string; component?: string }[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString()) as { level: number; msg: string });
      done();
    },
  });
  return { logger: createLogger('test', level, stream), lines };
}

test("kafkajs's warning about the idempotent producer's limited retries is expected, logged at debug", () => {
  const { logger, lines } = capture('debug');
  // kafkajs warns when the producer is created; nothing connects.
  createKafka({ brokers: ['127.0.0.1:1'], clientId: 'test' }, logger).producer({ idempotent: true });
  const warning = lines.find((line) => line.msg.startsWith('Limiting retries for the idempotent producer'));
  assert.ok(warning, JSON.stringify(lines));
  assert.equal(warning.level, 20, 'debug, not warn');
  assert.equal(warning.component, 'kafkajs');
});

test('at the default level it is not printed at all, while other kafkajs warnings still are', () => {
  const { logger, lines } = capture('info');
  const kafka = createKafka({ brokers: ['127.0.0.1:1'], clientId: 'test' }, logger);
  kafka.producer({ idempotent: true });
  assert.equal(lines.length, 0, JSON.stringify(lines));
  // Not one of the expected warnings: kafkajs warns about this configuration, and it must still show.
  kafka.logger().warn('something the operator must see');
  assert.equal(lines.length, 1);
  assert.equal(lines[0]!.level, 40);
});
