import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Kafka, Producer, ProducerRecord } from 'kafkajs';
import type { UserRecord } from '@userstream/shared';
import { sampleRecord } from '../../../shared/src/record/sample-record.fixture.ts';
import type { UserEncoder } from '../encode/user-encoder.ts';
import { createKafkaPublisher } from './kafka-publisher.ts';

/** A kafkajs double whose one producer records what it is sent. */
function fakeKafka() {
  const sent: ProducerRecord[] = [];
  const inFlight = { now: 0, most: 0 };
  const producer = {
    connect: () => Promise.resolve(),
    // Each send stays in flight for a turn of the event loop, so overlapping sends would show.
    send: async (record: ProducerRecord) => {
      inFlight.most = Math.max(inFlight.most, ++inFlight.now);
      await new Promise((resolve) => setImmediate(resolve));
      inFlight.now--;
      sent.push(record);
    },
  } as unknown as Producer;
  return { kafka: { producer: () => producer } as unknown as Kafka, sent, inFlight };
}

/** The publisher under test: requests of 2 records, to `t` and its dead-letter topic `t.dlq`. */
const publisherOf = (kafka: Kafka) =>
  createKafkaPublisher(kafka, { topic: 't', dlqTopic: 't.dlq', compression: 'gzip', chunkSize: 2 });

const encoder: UserEncoder = {
  schemaId: 1,
  encodeAll: (records) => records.map((r) => Buffer.from(r.id)),
};
const records = (n: number): UserRecord[] =>
  Array.from({ length: n }, (_, i) => ({
    ...sampleRecord,
    id: `0d2a1f3c-5b6e-4f70-8a9b-${String(i).padStart(12, '0')}`,
  }));

test('publishes in chunks, keyed by id, one request at a time', async () => {
  const { kafka, sent, inFlight } = fakeKafka();
  const publisher = publisherOf(kafka);
  await publisher.connect();
  const acked: number[] = [];
  assert.equal(await publisher.publish(records(5), encoder, (count) => acked.push(count)), 5);
  assert.deepEqual(acked, [2, 2, 1], 'each chunk reported as acknowledged');
  assert.deepEqual(
    sent.map((r) => r.messages.length),
    [2, 2, 1],
  );
  assert.equal(String(sent[0]!.messages[0]!.key), records(1)[0]!.id);
  assert.equal(sent[0]!.acks, -1);
  assert.equal(inFlight.most, 1, 'one request in flight at a time');
});

test('dead letters go to the dead-letter topic, acks=all, with their key, JSON value and headers', async () => {
  const { kafka, sent } = fakeKafka();
  const publisher = publisherOf(kafka);
  await publisher.connect();
  await publisher.deadLetter([]);
  assert.equal(sent.length, 0, 'nothing to send, no request');
  const letter = {
    key: 'id-1',
    value: Buffer.from('{"email":"broken"}'),
    headers: { 'dlq.stage': 'validate' },
  };
  await publisher.deadLetter([letter, { ...letter, key: null }]);
  assert.equal(sent.length, 1);
  assert.equal(sent[0]!.topic, 't.dlq');
  assert.equal(sent[0]!.acks, -1);
  assert.deepEqual(
    sent[0]!.messages.map((m) => [m.key, String(m.value), m.headers?.['dlq.stage']]),
    [
      ['id-1', '{"email":"broken"}', 'validate'],
      [null, '{"email":"broken"}', 'validate'],
    ],
  );
});
