import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Kafka, Producer, ProducerRecord } from 'kafkajs';
import { createIdempotentProducer } from './idempotent-producer.ts';

/** A kafkajs double: each producer() is a new producer whose sends succeed unless `failNext` says so. */
function fakeKafka() {
  const producers: { id: number; events: string[]; sent: ProducerRecord[] }[] = [];
  const sending = { now: 0, most: 0 };
  let failNext = 0;
  let failConnect = 0;
  const kafka = {
    producer: () => {
      const state = { id: producers.length, events: [] as string[], sent: [] as ProducerRecord[] };
      producers.push(state);
      return {
        connect: () => {
          if (failConnect > 0) {
            failConnect--;
            return Promise.reject(new Error('connect refused'));
          }
          return Promise.resolve(void state.events.push('connect'));
        },
        disconnect: () => Promise.resolve(void state.events.push('disconnect')),
        send: async (record: ProducerRecord) => {
          sending.most = Math.max(sending.most, ++sending.now);
          await new Promise((resolve) => setImmediate(resolve)); // a request on the wire
          sending.now--;
          if (failNext > 0) {
            failNext--;
            throw new Error('KafkaJSNumberOfRetriesExceeded');
          }
          state.sent.push(record);
          return [];
        },
      } as unknown as Producer;
    },
  } as unknown as Kafka;
  return {
    kafka,
    producers,
    sending,
    failSends: (n: number) => (failNext = n),
    failConnects: (n: number) => (failConnect = n),
  };
}

const record: ProducerRecord = { topic: 't', messages: [{ key: 'k', value: 'v' }] };

test('after a failed send the next send goes through a new producer (a new producer id), not the old sequences', async () => {
  const { kafka, producers, failSends } = fakeKafka();
  const producer = createIdempotentProducer(kafka);
  await producer.connect();
  failSends(1);
  await assert.rejects(producer.send(record), /NumberOfRetriesExceeded/);
  assert.equal(producers.length, 1, 'replaced lazily, on the next send');

  // Two sends waiting at once replace it once.
  await Promise.all([producer.send(record), producer.send(record)]);
  assert.equal(producers.length, 2);
  assert.deepEqual(producers[0]!.events, ['connect', 'disconnect']);
  assert.deepEqual(producers[1]!.events, ['connect']);
  assert.equal(producers[1]!.sent.length, 2);

  // Sends that succeed keep their producer; disconnect closes the current one.
  await producer.send(record);
  assert.equal(producers.length, 2);
  await producer.disconnect();
  assert.deepEqual(producers[1]!.events, ['connect', 'disconnect']);
});

test('a replacement that cannot connect is tried again on the next send', async () => {
  const { kafka, producers, failSends, failConnects } = fakeKafka();
  const producer = createIdempotentProducer(kafka);
  await producer.connect();
  failSends(1);
  await assert.rejects(producer.send(record));
  failConnects(1);
  await assert.rejects(producer.send(record), /connect refused/);
  assert.deepEqual(producers[1]!.events, ['disconnect'], 'the replacement that failed to connect is closed');
  assert.equal(await producer.send(record).then(() => 'sent'), 'sent');
  assert.equal(producers.length, 3);
  assert.equal(producers[2]!.sent.length, 1);
});

test('sends go one at a time, so one waiting while another fails goes through the new producer', async () => {
  const { kafka, producers, sending, failSends } = fakeKafka();
  const producer = createIdempotentProducer(kafka);
  await producer.connect();
  failSends(1);
  const [first, second, third] = await Promise.allSettled([
    producer.send(record),
    producer.send(record),
    producer.send(record),
  ]);
  assert.equal(sending.most, 1, 'never two sends on the wire at once');
  assert.equal(first.status, 'rejected');
  assert.deepEqual([second.status, third.status], ['fulfilled', 'fulfilled']);
  assert.equal(producers[0]!.sent.length, 0, 'nothing sent after the failure under the old producer id');
  assert.equal(producers[1]!.sent.length, 2);
});
