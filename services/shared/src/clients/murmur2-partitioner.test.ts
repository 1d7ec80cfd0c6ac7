import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { randomBytes, randomUUID } from 'node:crypto';
import kafkajs from 'kafkajs';
import { murmur2, Murmur2Partitioner, partitionForKey } from './murmur2-partitioner.ts';

const require = createRequire(import.meta.url);
// kafkajs's own Long-based murmur2, the implementation ours replaces (CommonJS, no type declarations).
const kafkajsMurmur2 = require('kafkajs/src/producer/partitioners/default/murmur2.js') as (
  key: Buffer | string,
) => number;

test('murmur2 matches the vectors of Kafka’s own UtilsTest (the Java client)', () => {
  const vectors: [string, number][] = [
    ['21', -973932308],
    ['foobar', -790332482],
    ['a-little-bit-long-string', -985981536],
    ['a-little-bit-longer-string', -1486304829],
    ['lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8', -58897971],
    ['abc', 479470107],
    ['', 275646681],
  ];
  for (const [input, expected] of vectors) assert.equal(murmur2(Buffer.from(input)), expected, input);
});

test('murmur2 equals kafkajs’s murmur2 on UUIDs, random bytes of every tail length and non-ASCII keys', () => {
  const keys: (Buffer | string)[] = [];
  for (let i = 0; i < 500; i++) keys.push(randomUUID());
  for (let length = 0; length < 64; length++) keys.push(randomBytes(length));
  keys.push('Zoë Müller', '日本語のキー', '🙂', Buffer.from([0xff, 0xff, 0xff, 0xff, 0x80]));
  for (const key of keys) {
    const bytes = typeof key === 'string' ? Buffer.from(key) : key;
    assert.equal(murmur2(bytes), kafkajsMurmur2(key) | 0, `key ${bytes.toString('hex')}`);
  }
});

test('the partitioner puts keyed records where kafkajs’s DefaultPartitioner does, and honours the rest', () => {
  const ours = Murmur2Partitioner();
  const theirs = kafkajs.Partitioners.DefaultPartitioner();
  const partitionMetadata = Array.from({ length: 7 }, (_, partitionId) => ({
    partitionId,
    leader: 1,
    partitionErrorCode: 0,
    replicas: [1],
    isr: [1],
  }));
  for (let i = 0; i < 1_000; i++) {
    const message = { key: randomUUID(), value: 'v' };
    const expected = theirs({ topic: 't', partitionMetadata, message });
    assert.equal(ours({ topic: 't', partitionMetadata, message }), expected);
    assert.equal(partitionForKey(message.key, 7), expected);
  }
  assert.equal(ours({ topic: 't', partitionMetadata, message: { key: 'k', value: 'v', partition: 5 } }), 5);
  // Without a key, records are spread round-robin by kafkajs's partitioner: every partition gets some.
  const seen = new Set<number>();
  for (let i = 0; i < 70; i++) seen.add(ours({ topic: 't', partitionMetadata, message: { value: 'v' } }));
  assert.equal(seen.size, 7);
});
