import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Kafka, Producer, ProducerRecord } from 'kafkajs';
import type { UserRecord } from '@userstream/shared/record';
import { sampleRecord } from '../../../shared/src/record/sample-record.ts';
import type { UserEncoder } from '../encode/user-encoder.ts';
import { createKafkaPublisher, deadLetterRequests } from './kafka-publisher.ts';

/** A kafkajs double whose one producer records what it is sent. */
function fakeKafka(refuse?: Error) {
  const sent: ProducerRecord[] = [];
  const inFlight = { now: 0, most: 0 };
  const producer = {
    connect: () => Promise.resolve(),
    // Each send stays in flight for a turn of the event loop, so overlapping sends would show.
    send: async (record: ProducerRecord) => {
      inFlight.most = Math.max(inFlight.most, ++inFlight.now);
      await new Promise((resolve) => setImmediate(resolve));
      inFlight.now--;
      if (refuse !== undefined) throw refuse;
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

test('a page of dead letters goes in requests of at most 512 KiB before compression, in order', async () => {
  const { kafka, sent } = fakeKafka();
  const publisher = publisherOf(kafka);
  const letter = (i: number, kib: number) => ({
    key: `id-${i}`,
    value: Buffer.alloc(kib * 1024 - 100, 'x'),
    headers: { 'dlq.source.index': String(i) },
  });
  // 100 KiB letters: five to a request; a letter bigger than a request on its own goes alone.
  await publisher.deadLetter([...Array.from({ length: 12 }, (_, i) => letter(i, 100)), letter(12, 600)]);
  assert.deepEqual(
    sent.map((r) => r.messages.length),
    [5, 5, 2, 1],
  );
  assert.deepEqual(
    sent.flatMap((r) => r.messages.map((m) => m.key)),
    Array.from({ length: 13 }, (_, i) => `id-${i}`),
  );
  assert.deepEqual(deadLetterRequests([]), []);
});

test("the broker's MESSAGE_TOO_LARGE fails the publish naming the settings to change", async () => {
  const tooLarge = Object.assign(
    new Error('The request included a message larger than the max message size'),
    {
      type: 'MESSAGE_TOO_LARGE',
    },
  );
  const publisher = publisherOf(fakeKafka(tooLarge).kafka);
  await assert.rejects(publisher.publish(records(3), encoder), (error: unknown) => {
    assert.match(
      (error as Error).message,
      /^Kafka refused a produce request to t as too large \(MESSAGE_TOO_LARGE\): lower KAFKA_SEND_CHUNK \(2 messages a request, KAFKA_COMPRESSION gzip\), or raise the topic's max.message.bytes$/,
    );
    assert.equal((error as Error).cause, tooLarge);
    return true;
  });
  await assert.rejects(
    publisherOf(fakeKafka(tooLarge).kafka).deadLetter([{ key: 'k', value: Buffer.from('{}'), headers: {} }]),
    /to t\.dlq as too large .*: a dead-letter request \(up to 524288 bytes before compression, or one bigger letter\) is bigger than the topic takes/,
  );
  const other = new Error('KafkaJSNumberOfRetriesExceeded');
  await assert.rejects(
    publisherOf(fakeKafka(other).kafka).publish(records(1), encoder),
    (error) => error === other,
  );
});
