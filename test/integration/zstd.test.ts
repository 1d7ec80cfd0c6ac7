// zstd, which kafkajs does not ship: our codec (Node's built-in zlib) must write batches Kafka's own Java
// client reads, and read batches Kafka's own Java producer writes.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import kafkajs, { type Kafka } from 'kafkajs';
import {
  createKafka,
  createLogger,
  createUserBatchEncoder,
  ensureTopics,
  registerZstdCodec,
} from '@userstream/shared';
import { createKafkaPublisher } from '../../services/producer/src/publish/kafka-publisher.ts';
import { sampleRecord } from '../../services/shared/src/record/sample-record.ts';
import { freshNames, kafkaTool, stack } from './support.ts';

// kafkajs is CommonJS and Node cannot see CompressionCodecs as a named export.
const { CompressionCodecs, CompressionTypes } = kafkajs;

describe('zstd batches', () => {
  let kafka: Kafka;
  const calls = { compress: 0, decompress: 0 };
  before(() => {
    kafka = createKafka(
      { brokers: [stack.KAFKA_BROKERS], clientId: 'it-zstd' },
      createLogger('it', 'silent'),
    );
    // Count what kafkajs hands our codec, to know the batches really went through zstd.
    registerZstdCodec();
    const codec = CompressionCodecs[CompressionTypes.ZSTD]() as {
      compress(encoder: { buffer: Buffer }): Promise<Buffer>;
      decompress(buffer: Buffer): Promise<Buffer>;
    };
    CompressionCodecs[CompressionTypes.ZSTD] = () => ({
      compress: (encoder: { buffer: Buffer }) => (calls.compress++, codec.compress(encoder)),
      decompress: (buffer: Buffer) => (calls.decompress++, codec.decompress(buffer)),
    });
  });
  after(() => registerZstdCodec());

  test("what the publisher writes with KAFKA_COMPRESSION=zstd, Kafka's Java consumer reads", async () => {
    const { KAFKA_TOPIC: topic } = freshNames('it_zstd_out');
    await ensureTopics(kafka, [{ topic, numPartitions: 3, replicationFactor: 1 }]);
    const publisher = createKafkaPublisher(kafka, {
      topic,
      dlqTopic: `${topic}.dlq`,
      compression: 'zstd',
      chunkSize: 500,
    });
    await publisher.connect();
    const records = Array.from({ length: 1_500 }, (_, i) => ({
      ...sampleRecord,
      id: `${i.toString(16).padStart(8, '0')}-9430-4d68-901f-c0d4c1c3bf00`,
    }));
    try {
      assert.equal(
        await publisher.publish(records, { schemaId: 1, encodeAll: createUserBatchEncoder(1) }),
        1_500,
      );
    } finally {
      await publisher.disconnect();
    }
    assert.ok(calls.compress >= 3, `zstd compress called ${calls.compress} times`);
    const read = await kafkaTool([
      'org.apache.kafka.tools.consumer.ConsoleConsumer',
      '--bootstrap-server',
      stack.KAFKA_BROKERS,
      '--topic',
      topic,
      '--from-beginning',
      '--max-messages',
      '1500',
      '--timeout-ms',
      '60000',
      '--property',
      'print.key=true',
    ]);
    assert.match(read.stderr, /Processed a total of 1500 messages/, read.stderr.slice(-2_000));
    const keys = new Set(read.stdout.split('\n').map((line) => line.split('\t')[0]));
    assert.ok(keys.has(records[1_499]!.id), 'the last key came back');
  });

  test("what Kafka's Java producer writes with compression.type=zstd, a kafkajs consumer reads", async () => {
    const names = freshNames('it_zstd_in');
    const sent = await kafkaTool([
      'org.apache.kafka.tools.ProducerPerformance',
      '--topic',
      names.KAFKA_TOPIC,
      '--num-records',
      '800',
      '--record-size',
      '300',
      '--throughput',
      '-1',
      '--producer-props',
      `bootstrap.servers=${stack.KAFKA_BROKERS}`,
      'compression.type=zstd',
      'linger.ms=20',
    ]);
    assert.equal(sent.code, 0, sent.stderr.slice(-2_000));
    const before = calls.decompress;
    const consumer = kafka.consumer({ groupId: names.CONSUMER_GROUP_ID });
    await consumer.connect();
    try {
      await consumer.subscribe({ topic: names.KAFKA_TOPIC, fromBeginning: true });
      let received = 0;
      let bytes = 0;
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`only ${received} of 800 messages`)), 60_000);
        consumer
          .run({
            eachMessage: async ({ message }) => {
              received++;
              bytes += message.value?.length ?? 0;
              if (received === 800) {
                clearTimeout(timer);
                resolve();
              }
              return Promise.resolve();
            },
          })
          .catch((error: unknown) => {
            clearTimeout(timer); // a failed run must not keep the test file alive for the timer's minute
            reject(error instanceof Error ? error : new Error(String(error)));
          });
      });
      assert.equal(bytes, 800 * 300);
      assert.ok(calls.decompress > before, 'batches went through the zstd codec');
    } finally {
      await consumer.disconnect();
    }
  });
});
