import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Admin, Consumer, Kafka } from 'kafkajs';
import { createLogger, createMetricsRegistry } from '@userstream/shared';
import { createConsumerMetrics } from '../metrics.ts';
import { createConsumerLoop } from './kafka-consumer.ts';

/** A kafkajs consumer double: records calls, lets the test fire its events, and joins only when told. */
function fakeKafka() {
  const handlers = new Map<string, (event: { payload: unknown }) => void>();
  const calls: string[] = [];
  let joined: () => void = () => undefined;
  const configs: unknown[] = [];
  const consumer = {
    events: { GROUP_JOIN: 'group.join', CRASH: 'crash', REBALANCING: 'rebalancing' },
    on: (event: string, handler: (event: { payload: unknown }) => void) => void handlers.set(event, handler),
    connect: () => Promise.resolve(void calls.push('connect')),
    subscribe: () => Promise.resolve(void calls.push('subscribe')),
    // Joining the group takes until the test says so (a slow coordinator).
    run: () => new Promise<void>((resolve) => (joined = () => resolve(void calls.push('run')))),
    disconnect: () => Promise.resolve(void calls.push('disconnect')),
  } as unknown as Consumer;
  return {
    kafka: {
      consumer: (config: unknown) => {
        configs.push(config);
        return consumer;
      },
    } as unknown as Kafka,
    calls,
    configs,
    crash: (restart: boolean) =>
      handlers.get('crash')!({ payload: { error: new Error('coordinator'), restart } }),
    // Joined with no partitions of the topic: the lag reading has nothing to ask the admin about.
    joinedEvent: (memberAssignment: Record<string, number[]> = {}) =>
      handlers.get('group.join')!({ payload: { memberId: 'm', memberAssignment } }),
    rebalancing: () => handlers.get('rebalancing')!({ payload: {} }),
    join: () => joined(),
  };
}

const options = {
  groupId: 'g',
  topic: 't',
  fromBeginning: true,
  partitionsConcurrently: 1,
  maxBytesPerPartition: 1_024,
  fetchMaxWaitMs: 250,
  sessionTimeoutMs: 6_000,
  durabilityDelayMs: 0,
};

function loopWith(fake: ReturnType<typeof fakeKafka>) {
  const metrics = createConsumerMetrics(createMetricsRegistry('test'));
  // No group is joined here, so the admin that reads assigned partitions' lag is never called.
  return createConsumerLoop(fake.kafka, {} as Admin, options, metrics, createLogger('test', 'silent'));
}

test('a crash kafkajs will not restart from is fatal while consuming', async () => {
  const fake = fakeKafka();
  const fatal: Error[] = [];
  const started = loopWith(fake).start(
    () => Promise.resolve(),
    (error) => fatal.push(error),
  );
  await new Promise((resolve) => setImmediate(resolve));
  fake.crash(false);
  assert.equal(fatal.length, 1);
  fake.join();
  await started;
});

test('a crash caused by stop() (a join cut short by the disconnect) is the stop, not a failure', async () => {
  const fake = fakeKafka();
  const fatal: Error[] = [];
  const loop = loopWith(fake);
  const started = loop.start(
    () => Promise.resolve(),
    (error) => fatal.push(error),
  );
  await new Promise((resolve) => setImmediate(resolve));
  await loop.stop(); // SIGTERM while joining the group
  fake.crash(false);
  assert.deepEqual(fatal, []);
  fake.join();
  await started;
});

test('stop() during connect: start() returns without subscribing or joining', async () => {
  const fake = fakeKafka();
  const loop = loopWith(fake);
  const started = loop.start(
    () => Promise.resolve(),
    () => undefined,
  );
  void loop.stop(); // before connect() has resolved
  await started;
  assert.deepEqual(fake.calls, ['connect', 'disconnect']);
});

test('fetches wait at most fetchMaxWaitMs, not the kafkajs default of 5 s, so a stop of an idle consumer is not held', () => {
  const fake = fakeKafka();
  loopWith(fake);
  assert.deepEqual(fake.configs, [
    {
      groupId: 'g',
      sessionTimeout: 6_000,
      heartbeatInterval: 600,
      maxBytesPerPartition: 1_024,
      maxWaitTimeInMs: 250,
      allowAutoTopicCreation: false,
    },
  ]);
});

test('readiness follows group membership: joining, joined, rebalancing, crashed, rejoined, stopping', async () => {
  const fake = fakeKafka();
  const loop = loopWith(fake);
  const state = () =>
    loop.checkMembership().then(
      () => 'ok',
      (error: Error) => error.message,
    );
  assert.equal(await state(), 'joining group g');
  fake.joinedEvent();
  assert.equal(await state(), 'ok');
  fake.rebalancing();
  assert.equal(await state(), 'rebalancing group g');
  fake.joinedEvent();
  fake.crash(true);
  assert.equal(await state(), 'crashed (coordinator); kafkajs is rejoining');
  fake.joinedEvent();
  assert.equal(await state(), 'ok');
  await loop.stop();
  assert.equal(await state(), 'stopping');
  fake.joinedEvent(); // a join that completes during the stop does not make it ready again
  assert.equal(await state(), 'stopping');
});

test("a crash clears this member's lag series: its partitions may be another member's until it rejoins", async () => {
  const fake = fakeKafka();
  const metrics = createConsumerMetrics(createMetricsRegistry('test'));
  const admin = {
    fetchTopicOffsets: () =>
      Promise.resolve([
        { partition: 0, low: '0', high: '800' },
        { partition: 1, low: '0', high: '700' },
      ]),
    fetchOffsets: () => Promise.resolve([{ topic: 't', partitions: [] }]),
  } as unknown as Admin;
  createConsumerLoop(fake.kafka, admin, options, metrics, createLogger('test', 'silent'));
  const lag = async () => (await metrics.lag.get()).values.map((v) => [v.labels.partition, v.value]);
  fake.joinedEvent({ t: [0, 1] });
  await new Promise((resolve) => setImmediate(resolve)); // the lag reading of the join
  assert.deepEqual(await lag(), [
    ['0', 800],
    ['1', 700],
  ]);
  fake.crash(true);
  assert.deepEqual(await lag(), []);
});
