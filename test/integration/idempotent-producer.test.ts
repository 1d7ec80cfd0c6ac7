// The idempotent producer against the real broker, with produce answers lost on the wire by a proxy: a retry
// must not write a batch twice, and a send that failed after its batch was written must not make the broker
// take the next batch for that one and drop it.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { Kafka, logLevel, type Message } from 'kafkajs';
import { createIdempotentProducer } from '@userstream/shared';
import { createTopics, readTopic, stack, topicSize, uniqueName } from './support.ts';
import { startTcpProxy, type TcpProxy } from './tcp-proxy.ts';

const PRODUCE = 0; // Kafka's API key for Produce requests

let proxy: TcpProxy;

before(async () => {
  proxy = await startTcpProxy(stack.KAFKA_BROKERS.split(',')[0]!, { kafka: true });
});

after(async () => {
  await proxy.close();
});

/** A client whose every broker connection goes through the proxy, whatever address the broker advertises. */
function kafkaThroughProxy(retries: number): Kafka {
  return new Kafka({
    clientId: 'it-idempotent',
    brokers: [`127.0.0.1:${proxy.port}`],
    logLevel: logLevel.NOTHING,
    retry: { initialRetryTime: 100, retries },
    socketFactory: ({ onConnect }) => net.connect({ host: '127.0.0.1', port: proxy.port }, onConnect),
  });
}

/** A one-partition topic, so that two batches of the same size carry the same sequence numbers. */
async function newTopic(): Promise<string> {
  const topic = uniqueName('idem');
  await createTopics([{ topic, numPartitions: 1, replicationFactor: 1 }]);
  return topic;
}

function messages(batch: string, count: number): Message[] {
  return Array.from({ length: count }, (_, i) => ({ key: `${batch}-${i}`, value: `${batch} record ${i}` }));
}

/** `topic` holds the 50 records of batch a and the 50 of batch b, each once; `why` says what else failed. */
async function assertEachBatchOnce(topic: string, why: string): Promise<void> {
  assert.equal(await topicSize(topic), 100, why);
  const keys = (await readTopic(topic, 100)).map((m) => String(m.key)).sort();
  const expected = [...messages('a', 50), ...messages('b', 50)].map((m) => String(m.key)).sort();
  assert.deepEqual(keys, expected);
}

test('a produce answer lost on the wire is retried, and the broker keeps the batch once', async () => {
  const topic = await newTopic();
  // The services' retry count: the retry after the lost answer succeeds.
  const producer = createIdempotentProducer(kafkaThroughProxy(8));
  await producer.connect();
  try {
    const lost = proxy.loseNextAnswer(PRODUCE);
    await producer.send({ topic, acks: -1, messages: messages('a', 50) });
    await lost; // the first attempt was written and its answer lost, so the send above was a retry
    await producer.send({ topic, acks: -1, messages: messages('b', 50) });
  } finally {
    await producer.disconnect();
  }
  await assertEachBatchOnce(topic, 'each batch once: the broker took the retry for the duplicate it was');
});

test('after a send that failed with its batch written, the next batch is written too, not taken for that one', async () => {
  const topic = await newTopic();
  // One retry (kafkajs refuses an idempotent producer without), which finds the broker unreachable: the send
  // fails, as it would after the services' eight retries in a longer outage.
  const producer = createIdempotentProducer(kafkaThroughProxy(1));
  await producer.connect();
  try {
    const lost = proxy.loseNextAnswer(PRODUCE).then(() => proxy.cut());
    await assert.rejects(producer.send({ topic, acks: -1, messages: messages('a', 50) }));
    await lost;
    proxy.restore();
    assert.equal(await topicSize(topic), 50, 'the failed send was written');
    // Same partition, same size: under the same producer id it would carry batch a's sequence numbers.
    await producer.send({ topic, acks: -1, messages: messages('b', 50) });
  } finally {
    await producer.disconnect();
  }
  await assertEachBatchOnce(topic, 'batch b was written, not acknowledged as a duplicate of batch a');
});
