// The Kafka broker of the local stack (scripts/stack.sh up): topics are created by clients, and a message
// comes back as it was sent.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Kafka, logLevel } from 'kafkajs';
import type { Consumer, Producer } from 'kafkajs';
import { KAFKA_BROKERS, uniqueName } from './settings.ts';

describe('Kafka broker', () => {
  const kafka = new Kafka({
    clientId: 'stack-servers-test',
    brokers: KAFKA_BROKERS,
    logLevel: logLevel.NOTHING,
  });
  const admin = kafka.admin();
  const topic = uniqueName('stack-test');
  let producer: Producer | undefined;
  let consumer: Consumer | undefined;

  before(async () => {
    await admin.connect();
  });

  after(async () => {
    await consumer?.disconnect();
    await producer?.disconnect();
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin.disconnect();
  });

  it('answers metadata requests as a single KRaft node', async () => {
    const cluster = await admin.describeCluster();
    assert.equal(cluster.brokers.length, 1);
    assert.ok(cluster.clusterId.length > 0);
  });

  it('creates a topic with 3 partitions', async () => {
    const created = await admin.createTopics({
      topics: [{ topic, numPartitions: 3, replicationFactor: 1 }],
      waitForLeaders: true,
    });
    assert.equal(created, true);
    const metadata = await admin.fetchTopicMetadata({ topics: [topic] });
    const partitions = metadata.topics[0]?.partitions ?? [];
    assert.deepEqual(partitions.map((p) => p.partitionId).sort(), [0, 1, 2]);
    // One broker (node.id=1 in stack/kafka/server.properties) leads every partition.
    assert.ok(partitions.every((p) => p.leader === 1));
  });

  it('gives a consumer back the key and value a producer sent', async () => {
    const key = `key-${Math.random().toString(36).slice(2)}`;
    const value = JSON.stringify({ text: 'héllo, wörld', bytes: [0, 1, 255], at: new Date().toISOString() });
    producer = kafka.producer({ allowAutoTopicCreation: false });
    await producer.connect();
    const [sent] = await producer.send({
      topic,
      acks: -1,
      messages: [{ key, value, headers: { source: 'test' } }],
    });
    assert.equal(sent?.errorCode, 0);

    consumer = kafka.consumer({ groupId: uniqueName('stack-test-group') });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    const received = await new Promise<{ key: string; value: string; header: string; partition: number }>(
      (resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('no message consumed within 60 s')), 60_000);
        consumer
          ?.run({
            eachMessage: ({ message, partition }) => {
              clearTimeout(timer);
              resolve({
                key: message.key?.toString('utf8') ?? '',
                value: message.value?.toString('utf8') ?? '',
                header: message.headers?.source?.toString() ?? '',
                partition,
              });
              return Promise.resolve();
            },
          })
          .catch((error: unknown) => {
            clearTimeout(timer); // a failed run must not keep the test file alive for the timer's minute
            reject(error instanceof Error ? error : new Error(String(error)));
          });
      },
    );
    assert.equal(received.key, key);
    assert.equal(received.value, value);
    assert.equal(received.header, 'test');
    assert.equal(received.partition, sent?.partition);
  });
});
